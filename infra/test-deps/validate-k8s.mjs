// Validates rendered Kubernetes manifests (kubectl kustomize's output: YAML documents on stdin) against the
// Kubernetes API schemas that kubernetes-models ships, offline: field types, required fields, enums and
// formats of every object, and no field the API does not have. The models' validators ignore unknown
// fields (the schemas leave additionalProperties open), while the API server drops them silently, so a
// misspelt field (readinessProbes) would deploy without its probe: unknownFields() walks each object
// against the models' type declarations, which name every field of every API type.
// Prints one line per object and exits 1 when any is invalid or of a kind it does not know.
// Usage: kubectl kustomize infra/k8s/overlays/local | node infra/test-deps/validate-k8s.mjs
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const modules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");

// A type declaration file (.d.ts) of kubernetes-models read as its interface: field name -> field type
// (the TypeScript text), and the file each imported type name comes from. null for a file that declares
// no interface (a scalar alias such as IntOrString or Time).
const declarations = new Map();
function declaration(file) {
  if (declarations.has(file)) {
    return declarations.get(file);
  }

  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map();
  for (const [, names, from] of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    for (const name of names.split(",").map((n) => n.trim()).filter(Boolean)) {
      imports.set(name, resolveDeclaration(dirname(file), from));
    }
  }

  const start = text.search(/export interface \w+[^{]*\{/);
  let result = null;
  if (start >= 0) {
    const open = text.indexOf("{", start);
    let depth = 0;
    let end = open;
    for (; end < text.length; end++) {
      depth += text[end] === "{" ? 1 : text[end] === "}" ? -1 : 0;
      if (depth === 0) {
        break;
      }
    }

    const fields = new Map();
    for (const [, name, type] of text.slice(open + 1, end).matchAll(/"([^"]+)"\??:\s*(\{[^{}]*\}|[^;]+);/g)) {
      fields.set(name, type.replace(/\s+/g, " ").trim());
    }

    result = { fields, imports };
  }

  declarations.set(file, result);
  return result;
}

function resolveDeclaration(fromDirectory, specifier) {
  const path = specifier.startsWith(".") ? join(fromDirectory, specifier) : join(modules, specifier);
  return path.replace(/\.js$/, "") + ".d.ts";
}

// Every field of value (an object of the declared interface) and below that its type does not name.
function unknownFields(value, file, path, found) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return found;
  }

  // An object where the declarations name no interface (or a type this walk cannot follow) must not pass
  // unchecked: the walk would then prove nothing below it.
  if (file === undefined || !existsSync(file)) {
    throw new Error(`${path}: no type declaration to check its fields against (${file ?? "unresolved type"})`);
  }

  const type = declaration(file);
  if (type === null) {
    return found;
  }

  for (const [name, child] of Object.entries(value)) {
    const fieldType = type.fields.get(name);
    if (fieldType === undefined) {
      found.push(`${path}.${name}`);
      continue;
    }

    // Array<T>, { [key: string]: T; } or T, where T may be an imported interface.
    const element = fieldType.match(/^Array<(\w+)>$/)?.[1];
    const mapped = fieldType.match(/^\{ \[key: string\]: (\w+);? \}$/)?.[1];
    if (element !== undefined && Array.isArray(child)) {
      child.forEach((item, index) => unknownFields(item, type.imports.get(element), `${path}.${name}[${index}]`, found));
    } else if (mapped !== undefined && child && typeof child === "object") {
      for (const [key, item] of Object.entries(child)) {
        unknownFields(item, type.imports.get(mapped), `${path}.${name}.${key}`, found);
      }
    } else {
      unknownFields(child, type.imports.get(fieldType), `${path}.${name}`, found);
    }
  }

  return found;
}

const text = await new Promise((resolve, reject) => {
  let data = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (data += chunk));
  process.stdin.on("end", () => resolve(data));
  process.stdin.on("error", reject);
});

let failures = 0;
let objects = 0;
for (const document of parseAllDocuments(text)) {
  if (document.errors.length > 0) {
    console.log(`invalid YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    failures++;
    continue;
  }

  const object = document.toJS();
  if (object === null) {
    continue;
  }

  objects++;
  const { apiVersion, kind } = object;
  const name = `${kind ?? "?"} ${object.metadata?.name ?? "?"}`;
  // apiVersion "apps/v1" is the module kubernetes-models/apps/v1/<Kind>; the core group's "v1" is kubernetes-models/v1/<Kind>.
  let model;
  try {
    model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
  } catch {
    model = undefined;
  }

  if (typeof model !== "function") {
    console.log(`unknown: ${name} (${apiVersion}) is not a Kubernetes API kind`);
    failures++;
    continue;
  }

  if (kind === "Secret" && object.data) {
    // kubectl kustomize writes long base64 values as block scalars with line breaks, which the API server's
    // base64 decoder skips (Go's encoding/base64 ignores \r and \n) but the schema's "byte" format does not.
    for (const key of Object.keys(object.data)) {
      object.data[key] = String(object.data[key]).replace(/[\r\n]/g, "");
    }
  }

  let unknown;
  try {
    unknown = unknownFields(object, join(modules, "kubernetes-models", apiVersion, `${kind}.d.ts`), kind, []);
  } catch (error) {
    unknown = [error.message];
  }

  if (unknown.length > 0) {
    console.log(`invalid: ${name} (${apiVersion}): unknown fields ${unknown.join(", ")}`);
    failures++;
    continue;
  }

  try {
    new model(object).validate();
    console.log(`valid: ${name} (${apiVersion})`);
  } catch (error) {
    console.log(`invalid: ${name} (${apiVersion}): ${error.message}`);
    failures++;
  }
}

if (objects === 0) {
  console.log("invalid: no objects on stdin");
  failures++;
}

console.log(`${objects} objects, ${failures} invalid`);
process.exit(failures === 0 ? 0 : 1);
