// Bundles the consumer's entry (main.js) with webpack 5, production mode, through its Node API:
// `import ... from "sockwave"` resolved from node_modules as any app would. Exits non-zero on
// any error or warning.
import path from "node:path";
import fs from "node:fs";
import webpack from "webpack";

const out = path.resolve("webpack");
const compiler = webpack({
  mode: "production",
  context: path.resolve("."),
  entry: "./main.js",
  output: { path: out, filename: "main.js" },
  performance: { hints: false },
});
compiler.run((err, stats) => {
  if (err || stats.hasErrors() || stats.hasWarnings()) {
    console.error(err ?? stats.toString("errors-warnings"));
    process.exit(1);
  }
  fs.writeFileSync(path.join(out, "index.html"),
    '<!doctype html>\n<meta charset="utf-8">\n<title>sockwave consumer (webpack)</title>\n<script src="./main.js"></script>\n');
  compiler.close(() => {});
});
