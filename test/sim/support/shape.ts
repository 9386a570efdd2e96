/**
 * The contract rule between a Graph doc example ("fixture") and the simulator's answer
 * ("actual"), applied recursively:
 * - fixture `null`: the example shows no type, so anything matches (null or a value);
 * - fixture object: actual is an object holding every fixture property (extra actual
 *   properties are fine: doc samples are "shortened for readability"); `viewpoint` and
 *   `chatViewpoint` are one property spelled two ways (docs/graph.md); `@odata.type` values
 *   must be equal, since they decide the rest of the shape;
 * - fixture array: actual is an array; when the fixture's is non-empty, every fixture
 *   element must match at least one actual element (an empty actual array fails);
 * - fixture primitive: same JSON type; a fixture timestamp needs an actual timestamp.
 * With `descriptors: true`, fixture strings name types as in Graph's resource pages
 * ("string", "string (timestamp)", "Integer").
 */
export interface ShapeOptions {
  readonly descriptors?: boolean;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;
const ALIASES: Record<string, string> = { viewpoint: "chatViewpoint", chatViewpoint: "viewpoint" };

export function shapeMismatches(
  fixture: unknown,
  actual: unknown,
  options: ShapeOptions = {},
  path = "$",
): string[] {
  if (fixture === null) return [];
  if (Array.isArray(fixture)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${describe(actual)}`];
    if (fixture.length > 0 && actual.length === 0) return [`${path}: expected a non-empty array`];
    const problems: string[] = [];
    fixture.forEach((element, i) => {
      const tries = actual.map((candidate) =>
        shapeMismatches(element, candidate, options, `${path}[${i}]`),
      );
      if (!tries.some((t) => t.length === 0)) {
        const closest = tries.reduce((a, b) => (b.length < a.length ? b : a));
        problems.push(
          `${path}[${i}]: no element of ${actual.length} matches; closest: ${closest.join("; ")}`,
        );
      }
    });
    return problems;
  }
  if (typeof fixture === "object") {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${describe(actual)}`];
    }
    const record = actual as Record<string, unknown>;
    const problems: string[] = [];
    for (const [key, value] of Object.entries(fixture as Record<string, unknown>)) {
      const alias = ALIASES[key];
      const actualKey =
        key in record ? key : alias !== undefined && alias in record ? alias : undefined;
      if (actualKey === undefined) {
        problems.push(`${path}.${key}: missing`);
        continue;
      }
      if (key === "@odata.type" && value !== record[actualKey]) {
        problems.push(
          `${path}.${key}: expected ${String(value)}, got ${String(record[actualKey])}`,
        );
        continue;
      }
      problems.push(...shapeMismatches(value, record[actualKey], options, `${path}.${key}`));
    }
    return problems;
  }
  if (options.descriptors && typeof fixture === "string")
    return descriptorMismatch(fixture, actual, path);
  if (typeof actual !== typeof fixture)
    return [`${path}: expected ${typeof fixture}, got ${describe(actual)}`];
  if (typeof fixture === "string" && TIMESTAMP.test(fixture) && !TIMESTAMP.test(actual as string)) {
    return [`${path}: expected a timestamp, got ${JSON.stringify(actual)}`];
  }
  return [];
}

function descriptorMismatch(descriptor: string, actual: unknown, path: string): string[] {
  switch (descriptor) {
    case "string":
      return typeof actual === "string"
        ? []
        : [`${path}: expected string, got ${describe(actual)}`];
    case "string (timestamp)":
      return typeof actual === "string" && TIMESTAMP.test(actual)
        ? []
        : [`${path}: expected a timestamp, got ${describe(actual)}`];
    case "Integer":
      return Number.isInteger(actual)
        ? []
        : [`${path}: expected an integer, got ${describe(actual)}`];
    default:
      return [`${path}: unknown type descriptor '${descriptor}'`];
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return value === undefined ? "nothing" : `${typeof value} ${JSON.stringify(value)?.slice(0, 60)}`;
}
