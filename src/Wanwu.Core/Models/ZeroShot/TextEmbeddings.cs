using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace Wanwu.Models.ZeroShot;

/// <summary>
/// Unit-length embeddings of the prompts (<c>一张猫的照片</c>, …) from the model's text encoder, computed once and kept in
/// the model cache under a key of encoder, vocabulary and prompts, so reruns and resumed runs skip the text side.
/// </summary>
internal sealed record TextEmbeddings(int Count, int Dim, float[] Data)
{
    public ReadOnlySpan<float> Row(int i) => Data.AsSpan(i * Dim, Dim);

    public static TextEmbeddings For(string dir, ZeroShotCard card, IReadOnlyList<string> prompts, string? cacheRoot, TextWriter? log)
    {
        var encoder = Path.Combine(dir, card.TextEncoder);
        var vocab = Path.Combine(dir, card.Vocab);
        foreach (var file in new[] { encoder, vocab })
            if (!File.Exists(file)) throw new ModelLoadException($"image-text model in '{dir}' lacks {Path.GetFileName(file)} (named in {ModelCard.FileName})");
        var cache = Path.Combine(cacheRoot ?? ModelCache.DefaultRoot, "text-embeddings", ModelCache.Key($"v1|{card.ContextLength}|{string.Join('\n', prompts)}", [encoder, vocab], 24) + ".bin");
        if (TryRead(cache, prompts.Count) is { } cached)
        {
            log?.WriteLine($"text embeddings of {prompts.Count} tags from the cache");
            return cached;
        }
        var computed = Compute(encoder, vocab, card.ContextLength, prompts);
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        var bytes = new byte[8 + computed.Data.Length * 4];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), computed.Count);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), computed.Dim);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(computed.Data.AsSpan()).CopyTo(bytes.AsSpan(8));
        IO.AtomicFile.Write(cache, bytes);
        log?.WriteLine($"text embeddings of {prompts.Count} tags computed once ({computed.Dim} dimensions)");
        return computed;
    }

    /// <summary>Token ids as Chinese-CLIP makes them: [CLS] tokens [SEP], cut to the context length, padded with [PAD].</summary>
    public static long[] Tokenize(BertTokenizer tokenizer, string text, int contextLength)
    {
        var ids = tokenizer.EncodeToIds(text, addSpecialTokens: true);
        var result = new long[contextLength];
        Array.Fill(result, tokenizer.PaddingTokenId);
        var n = Math.Min(ids.Count, contextLength);
        for (var i = 0; i < n; i++) result[i] = ids[i];
        if (ids.Count > contextLength) result[contextLength - 1] = tokenizer.SeparatorTokenId;
        return result;
    }

    public static BertTokenizer Tokenizer(string vocab) =>
        BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true, IndividuallyTokenizeCjk = true });

    private static TextEmbeddings Compute(string encoderPath, string vocab, int contextLength, IReadOnlyList<string> prompts)
    {
        var tokenizer = Tokenizer(vocab);
        using var session = new InferenceSession(encoderPath);
        var inputs = session.InputMetadata.Keys.ToList();
        var output = session.OutputMetadata.Keys.First();
        float[]? data = null;
        var dim = 0;
        const int chunk = 64;
        for (var start = 0; start < prompts.Count; start += chunk)
        {
            var n = Math.Min(chunk, prompts.Count - start);
            var ids = new DenseTensor<long>([n, contextLength]);
            for (var i = 0; i < n; i++)
            {
                var row = Tokenize(tokenizer, prompts[start + i], contextLength);
                for (var j = 0; j < contextLength; j++) ids[i, j] = row[j];
            }
            var feeds = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(inputs[0], ids) };
            if (inputs.Count > 1)
            {
                // A second input is the attention mask of BERT-style encoders.
                var mask = new DenseTensor<long>([n, contextLength]);
                for (var i = 0; i < n; i++)
                    for (var j = 0; j < contextLength; j++) mask[i, j] = ids[i, j] == tokenizer.PaddingTokenId ? 0 : 1;
                feeds.Add(NamedOnnxValue.CreateFromTensor(inputs[1], mask));
            }
            using var results = session.Run(feeds, [output]);
            var values = results[0].AsEnumerable<float>().ToArray();
            dim = values.Length / n;
            data ??= new float[prompts.Count * dim];
            values.CopyTo(data, start * dim);
        }
        for (var i = 0; i < prompts.Count; i++) Normalise(data.AsSpan(i * dim, dim));
        return new TextEmbeddings(prompts.Count, dim, data!);
    }

    public static void Normalise(Span<float> v)
    {
        var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(v));
        if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
    }

    private static TextEmbeddings? TryRead(string path, int count)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var n = BitConverter.ToInt32(bytes, 0);
            var dim = BitConverter.ToInt32(bytes, 4);
            if (n != count || dim <= 0 || bytes.Length != 8 + (long)n * dim * 4) return null;
            return new TextEmbeddings(n, dim, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(8)).ToArray());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
