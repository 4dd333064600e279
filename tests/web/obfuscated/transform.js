/* minehunt test helper: apply one JavaScript transform to many files in one node process.
 * Usage: node transform.js MANIFEST.json  where the manifest lists
 * {"input": path, "output": path, "preset": name, "seed": n}. Presets are the
 * javascript-obfuscator settings miners and malvertising use, plus terser mangling. */
"use strict";
const fs = require("fs");
const path = require("path");
const modules = path.resolve(__dirname, "..", "..", "node_modules");
const JavaScriptObfuscator = require(path.join(modules, "javascript-obfuscator"));
const terser = require(path.join(modules, "terser"));

const STRING_ARRAY = { stringArray: true, stringArrayRotate: true, stringArrayShuffle: true,
  stringArrayThreshold: 1, compact: true };
const PRESETS = {
  "string-array": { ...STRING_ARRAY },
  "hex-escapes": { ...STRING_ARRAY, unicodeEscapeSequence: true },
  "base64": { ...STRING_ARRAY, stringArrayEncoding: ["base64"] },
  "rc4": { ...STRING_ARRAY, stringArrayEncoding: ["rc4"] },
  "control-flow": { ...STRING_ARRAY, controlFlowFlattening: true,
    controlFlowFlatteningThreshold: 1 },
  "dead-code": { ...STRING_ARRAY, deadCodeInjection: true, deadCodeInjectionThreshold: 1 },
  "wrappers": { ...STRING_ARRAY, stringArrayEncoding: ["rc4"], stringArrayWrappersCount: 3,
    stringArrayWrappersType: "function", stringArrayWrappersChainedCalls: true,
    stringArrayCallsTransform: true, stringArrayCallsTransformThreshold: 1,
    splitStrings: true, splitStringsChunkLength: 5, transformObjectKeys: true },
  "high": { optionsPreset: "high-obfuscation", debugProtection: false },
};

async function one(job) {
  const code = fs.readFileSync(job.input, "utf8");
  let out;
  if (job.preset === "terser") {
    const r = await terser.minify(code, { compress: true, mangle: { toplevel: true } });
    out = r.code;
  } else {
    const options = PRESETS[job.preset];
    if (!options) throw new Error("unknown preset " + job.preset);
    out = JavaScriptObfuscator.obfuscate(code, { ...options, seed: job.seed || 1 })
      .getObfuscatedCode();
  }
  fs.writeFileSync(job.output, out);
}

(async () => {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  for (const job of jobs) await one(job);
  console.log("DONE " + jobs.length);
})().catch((e) => { console.error(e); process.exit(1); });
