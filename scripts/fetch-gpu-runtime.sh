#!/usr/bin/env bash
# Fetches ONNX Runtime's Linux GPU build (CUDA and TensorRT providers, for CUDA 13 and cuDNN 9) and its C# binding
# from the npm registry, where asus4's Unity packages carry Microsoft's release binaries and the binding's source:
# the NuGet feeds this project reaches serve only ONNX Runtime's CPU build. Then build wanwu against it with
#   dotnet publish src/Wanwu.Cli -c Release -o bin-gpu -p:OnnxRuntimeGpu=$PWD/.ort-gpu     (docs/gpu.md)
set -euo pipefail
version="${1:-0.4.9}"   # asus4 package version; 0.4.9 carries ONNX Runtime 1.29.0
dest="$(cd "$(dirname "$0")/.." && pwd)/.ort-gpu"
rm -rf "$dest" && mkdir -p "$dest/tgz"
(cd "$dest/tgz" && npm pack --silent "com.github.asus4.onnxruntime@$version" "com.github.asus4.onnxruntime.linux-x64-gpu@$version" >/dev/null)
for part in core:com.github.asus4.onnxruntime gpu:com.github.asus4.onnxruntime.linux-x64-gpu; do
  mkdir -p "$dest/${part%%:*}" && tar xzf "$dest/tgz/${part#*:}-$version.tgz" -C "$dest/${part%%:*}" --strip-components=1
done
rm -rf "$dest/tgz"
# The GPU package's providers_shared.so goes with its providers, so it is copied last.
mkdir -p "$dest/native" && cp "$dest"/core/Plugins/Linux/x64/*.so "$dest/native/" && cp "$dest"/gpu/Plugins/Linux/x64/*.so "$dest/native/"
# wanwu loads the provider libraries only beside the ONNX Runtime they were built with (ExecutionProviders.PluginMismatch).
grep -a -o -m1 'VERS_1\.[0-9]*\.[0-9]*' "$dest/native/libonnxruntime.so" | cut -c6- > "$dest/native/onnxruntime-providers.version"
echo "ONNX Runtime $(cat "$dest/native/onnxruntime-providers.version") GPU build in $dest"
