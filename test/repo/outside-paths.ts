/**
 * Finds source that refers to a path outside the repository: a string that is an absolute
 * path to a user's or a machine's location, or a relative path (a literal, or a
 * path.join/resolve or `new URL(…, import.meta.url)` chain the file can evaluate) whose `..`
 * climbs out of the repository root. A clone on any machine must build, test and bench
 * from its own files alone.
 */
import path from "node:path";
import ts from "typescript";

/**
 * Top-level folders whose absolute paths point at a machine, not at the repository (FHS,
 * macOS, common workspace roots). Routes such as "/v1.0/users" or "/chats" are not here;
 * the check is case-sensitive, so macOS "/Users/…" is caught and Graph's "/users" is not.
 */
const MACHINE_ROOTS = new Set([
  "bin",
  "boot",
  "builds",
  "data",
  "dev",
  "etc",
  "home",
  "lib",
  "lib64",
  "media",
  "mnt",
  "nix",
  "opt",
  "private",
  "proc",
  "root",
  "run",
  "sbin",
  "scratch",
  "snap",
  "srv",
  "sys",
  "tmp",
  "usr",
  "var",
  "work",
  "workspace",
  "workspaces",
  "Applications",
  "Library",
  "Users",
  "Volumes",
]);

/** System paths the code genuinely needs: exact paths, or prefixes ending in "/". */
export const SYSTEM_PATHS: readonly string[] = [
  "/proc/self/status", // the bench reads its own peak RSS (Linux)
  "/proc/self/stat", // a process's start time, to tell a live lease holder from a reused pid
  "/proc/stat", // the machine's CPU time, for the workers bench's busy share (Linux)
  "/proc", // whether /proc exists (Linux) before trusting a postmaster.pid through it
  "/dev/null",
  // Where root keeps an embedded cluster or a copy of the server binaries that the
  // `postgres` user could not reach inside a 0700 checkout (src/load/embedded/shared-root.ts).
  "/var/lib/teams-chat-sync",
  // The PATH the embedded server gets instead of the operator's environment.
  "/usr/local/bin:/usr/bin:/bin",
  "/tmp", // an opaque working folder handed to pure config parsing in tests
];

export interface OutsideReference {
  file: string;
  line: number;
  text: string;
  why: string;
}

function allowedSystemPath(p: string): boolean {
  return SYSTEM_PATHS.some((s) => (s.endsWith("/") ? p.startsWith(s) : p === s));
}

/** An absolute path of some machine, or undefined when the string is not one. */
function machinePath(value: string): string | undefined {
  if (/^[A-Za-z]:[\\/]|^\\\\[^\\]+\\/.test(value)) return "a Windows path";
  if (/^~\/./.test(value)) return "a home-relative path";
  const p = value.startsWith("file:///") ? value.slice("file://".length) : value;
  const first = /^\/([^/\\\s?#'"`]+)/.exec(p)?.[1];
  if (first === undefined || !MACHINE_ROOTS.has(first)) return undefined;
  if (allowedSystemPath(p)) return undefined;
  return "an absolute path of a machine";
}

/**
 * Why a computed string is outside the repository: a path derived from the file's own
 * location that climbs out of the root, or an absolute path of a machine. Other absolute
 * strings (routes such as `/v1.0/chats/${id}`) are not file paths.
 */
function computedOutside(value: Known | undefined, repoRoot: string): string | undefined {
  if (value === undefined) return undefined;
  const p = value.text.startsWith("file://") ? value.text.slice("file://".length) : value.text;
  if (value.located && path.isAbsolute(p)) {
    const resolved = path.resolve(p);
    return inside(repoRoot, resolved) || allowedSystemPath(resolved)
      ? undefined
      : `resolves to ${resolved}, outside the repo`;
  }
  return machinePath(p);
}

const isPathLike = (value: string): boolean => /^\.\.?(\/|$)/.test(value);

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function isImportMeta(expr: ts.Expression, name: string): boolean {
  return (
    ts.isPropertyAccessExpression(expr) &&
    expr.name.text === name &&
    ts.isMetaProperty(expr.expression) &&
    expr.expression.keywordToken === ts.SyntaxKind.ImportKeyword
  );
}

/** A string the file can compute; `located` when it derives from the file's own location. */
interface Known {
  text: string;
  located: boolean;
}

const PATH_MODULES = new Set(["node:path", "path", "node:path/posix", "path/posix"]);
const URL_MODULES = new Set(["node:url", "url"]);

/** Evaluates what a file can know statically about a path expression (undefined: unknown). */
class PathEvaluator {
  private readonly consts = new Map<string, ts.Expression | null>();
  private readonly visiting = new Set<string>();
  /** Local names of node:path as a whole (`path`) and of its functions (`join`, `resolve`…). */
  private readonly pathObjects = new Set<string>();
  private readonly functions = new Map<string, string>();

  constructor(
    source: ts.SourceFile,
    private readonly file: string,
  ) {
    const collect = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        this.collectImport(node.moduleSpecifier.text, node.importClause);
      } else if (
        ts.isVariableDeclaration(node) &&
        ts.isIdentifier(node.name) &&
        node.initializer &&
        ts.isVariableDeclarationList(node.parent) &&
        node.parent.flags & ts.NodeFlags.Const
      ) {
        // A name declared twice is ambiguous: treat it as unknown.
        const name = node.name.text;
        this.consts.set(name, this.consts.has(name) ? null : node.initializer);
      }
      ts.forEachChild(node, collect);
    };
    collect(source);
  }

  private collectImport(module: string, clause: ts.ImportClause | undefined): void {
    const isPath = PATH_MODULES.has(module);
    if (!clause || (!isPath && !URL_MODULES.has(module))) return;
    if (isPath && clause.name) this.pathObjects.add(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      if (isPath) this.pathObjects.add(bindings.name.text);
    } else if (bindings) {
      for (const element of bindings.elements) {
        const imported = (element.propertyName ?? element.name).text;
        if (isPath && (imported === "posix" || imported === "win32"))
          this.pathObjects.add(element.name.text);
        else this.functions.set(element.name.text, imported);
      }
    }
  }

  /** `path.join` → "join", `join` imported from node:path → "join", `new URL` → "URL". */
  private callee(expr: ts.Expression): string | undefined {
    if (ts.isIdentifier(expr)) return expr.text === "URL" ? "URL" : this.functions.get(expr.text);
    if (
      ts.isPropertyAccessExpression(expr) &&
      ts.isIdentifier(expr.expression) &&
      this.pathObjects.has(expr.expression.text)
    )
      return expr.name.text;
    return undefined;
  }

  value(expr: ts.Expression): Known | undefined {
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr))
      return this.value(expr.expression);
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr))
      return { text: expr.text, located: false };
    const here = (text: string): Known => ({ text, located: true });
    if (isImportMeta(expr, "dirname")) return here(path.dirname(this.file));
    if (isImportMeta(expr, "filename")) return here(this.file);
    if (isImportMeta(expr, "url")) return here(`file://${this.file}`);
    if (ts.isIdentifier(expr)) {
      if (expr.text === "__dirname") return here(path.dirname(this.file));
      if (expr.text === "__filename") return here(this.file);
      const init = this.consts.get(expr.text);
      if (!init || this.visiting.has(expr.text)) return undefined;
      this.visiting.add(expr.text);
      try {
        return this.value(init);
      } finally {
        this.visiting.delete(expr.text);
      }
    }
    if (ts.isTemplateExpression(expr)) {
      const parts = [expr.head.text];
      let located = false;
      for (const span of expr.templateSpans) {
        const part = this.value(span.expression);
        if (part === undefined) return undefined;
        located ||= part.located;
        parts.push(part.text, span.literal.text);
      }
      return { text: parts.join(""), located };
    }
    if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      const [l, r] = [this.value(expr.left), this.value(expr.right)];
      if (l === undefined || r === undefined) return undefined;
      return { text: l.text + r.text, located: l.located || r.located };
    }
    if (ts.isNewExpression(expr) || ts.isCallExpression(expr)) return this.call(expr);
    return undefined;
  }

  private call(expr: ts.CallExpression | ts.NewExpression): Known | undefined {
    const name = this.callee(expr.expression);
    if (name === undefined) return undefined;
    const args = (expr.arguments ?? []).map((a) => this.value(a));
    if (args.some((a) => a === undefined)) return undefined;
    const known = args as Known[];
    const texts = known.map((k) => k.text);
    const located = known.some((k) => k.located);
    const result = (text: string | undefined): Known | undefined =>
      text === undefined ? undefined : { text, located };
    switch (name) {
      case "URL": {
        const [spec, base] = texts;
        if (spec === undefined) return undefined;
        if (spec.startsWith("file://") || base === undefined) return result(spec);
        if (!base.startsWith("file://")) return undefined;
        const dir = path.dirname(base.slice("file://".length));
        return result(`file://${path.resolve(dir, spec)}`);
      }
      case "fileURLToPath":
        return result(
          texts[0]?.startsWith("file://") ? texts[0].slice("file://".length) : undefined,
        );
      case "dirname":
        return result(texts.length === 1 ? path.dirname(texts[0]!) : undefined);
      case "join": {
        const joined = texts.length > 0 ? path.join(...texts) : "";
        return result(path.isAbsolute(joined) ? joined : undefined);
      }
      case "resolve": {
        // Without an absolute part the result depends on the working folder: unknown.
        const lastAbsolute = texts.findLastIndex((a) => path.isAbsolute(a));
        return result(lastAbsolute < 0 ? undefined : path.resolve(...texts.slice(lastAbsolute)));
      }
      default:
        return undefined;
    }
  }
}

/** Every reference to a path outside `repoRoot` in one source file. */
export function outsideReferences(
  file: string,
  text: string,
  repoRoot: string,
): OutsideReference[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const evaluator = new PathEvaluator(source, file);
  const found: OutsideReference[] = [];
  const report = (node: ts.Node, why: string): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ file: path.relative(repoRoot, file), line, text: node.getText(source), why });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const why = machinePath(node.text);
      if (why) report(node, why);
      else if (isPathLike(node.text)) {
        const resolved = path.resolve(path.dirname(file), node.text);
        if (!inside(repoRoot, resolved)) report(node, `resolves to ${resolved}, outside the repo`);
      }
    } else if (
      ts.isCallExpression(node) ||
      ts.isNewExpression(node) ||
      ts.isTemplateExpression(node) ||
      (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken)
    ) {
      const why = computedOutside(evaluator.value(node), repoRoot);
      if (why) {
        report(node, why);
        return; // one report per chain, not one per nested part
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
