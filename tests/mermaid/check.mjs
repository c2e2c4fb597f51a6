// Parse Mermaid text from stdin with Mermaid's own grammar (mermaid.parse), in Node with jsdom for the DOM
// mermaid expects. Prints the diagram type and exits 0, or prints the parse error and exits 1.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["DOMParser", "Element", "HTMLElement", "Node", "navigator"]) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
let text = "";
for await (const chunk of process.stdin) text += chunk;
try {
  const result = await mermaid.parse(text);
  console.log(`ok ${result.diagramType}`);
} catch (error) {
  console.log(`error ${String(error.message || error)}`);
  process.exit(1);
}
