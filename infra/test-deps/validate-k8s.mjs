// Validates rendered Kubernetes manifests (kubectl kustomize's output: YAML documents on stdin) against the
// Kubernetes API schemas that kubernetes-models ships, offline: field types, required fields, enums and
// formats of every object. Prints one line per object and exits 1 when any is invalid or of a kind it does
// not know. Fields the schemas do not name are not reported by these validators: the deployment tests
// check the ones the pipeline depends on (probes, ports, settings) themselves.
// Usage: kubectl kustomize infra/k8s/overlays/local | node infra/test-deps/validate-k8s.mjs
import { parseAllDocuments } from "yaml";

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
