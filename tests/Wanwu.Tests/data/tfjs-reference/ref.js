const tf = require('@tensorflow/tfjs');
const fs = require('fs');
const dir = '/tmp/npmprobe/package/models/';
async function main() {
  const json = JSON.parse(fs.readFileSync(dir + 'centernet.json'));
  const bin = fs.readFileSync(dir + 'centernet.bin');
  const handler = { load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), format: json.format, signature: json.signature }) };
  const model = await tf.loadGraphModel(handler);
  const out = {};
  for (const name of process.argv.slice(2)) {
    const raw = fs.readFileSync(name + '.rgb');
    const x = tf.tensor(Float32Array.from(raw), [1, 512, 512, 3]);
    const det = model.execute(x, ['tower_0/detections']);
    out[name] = (await det.array())[0];
  }
  fs.writeFileSync('centernet-tfjs-detections.json', JSON.stringify(out));
}
main();
