// Renders the silo's OpenAPI document (/admin/v1/openapi.json) as a list of operations: no library, nothing
// loaded from another origin. Text goes in with textContent only, never as HTML.
"use strict";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function schemaText(schema, doc) {
  if (!schema) return "";
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop();
    const target = doc.components && doc.components.schemas && doc.components.schemas[name];
    return name + (target ? "\n" + JSON.stringify(target, null, 2) : "");
  }
  return JSON.stringify(schema, null, 2);
}

async function render() {
  const target = document.getElementById("operations");
  const response = await fetch("/admin/v1/openapi.json");
  if (!response.ok) {
    target.textContent = "The OpenAPI document did not load: " + response.status;
    return;
  }
  const doc = await response.json();
  document.getElementById("title").textContent = doc.info.title + " " + (doc.info.version || "");
  document.getElementById("description").textContent = doc.info.description || "";
  target.textContent = "";
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== "object" || !op.responses) continue;
      const box = el("section", "op");
      box.id = (method + path).replace(/[^a-z0-9]+/gi, "-");
      const head = el("h3");
      head.append(el("span", "method", method.toUpperCase()), el("code", "", path));
      box.append(head);
      if (op.summary) box.append(el("p", "", op.summary));
      if (op.description) box.append(el("p", "hint", op.description));
      const params = (op.parameters || []).map(p => p.name + " (" + p.in + (p.required ? ", required" : "") + ")");
      if (params.length) box.append(el("p", "", "Parameters: " + params.join(", ")));
      const body = op.requestBody && op.requestBody.content && Object.values(op.requestBody.content)[0];
      if (body) {
        box.append(el("p", "", "Body:"), el("pre", "", schemaText(body.schema, doc)));
      }
      const answers = Object.entries(op.responses).map(([code, r]) => code + (r.description ? " " + r.description : ""));
      box.append(el("p", "", "Answers: " + answers.join(" · ")));
      target.append(box);
    }
  }
}

render().catch(error => { document.getElementById("operations").textContent = "The reference failed: " + error; });
