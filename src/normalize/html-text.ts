import { Parser, type Handler } from "htmlparser2";

/**
 * A Teams HTML message body as the plain text a reader sees, for `body_text`.
 *
 * htmlparser2 tokenizes (a forgiving, streaming parser that decodes every HTML entity);
 * this file only decides what each element becomes:
 * - text is kept with HTML's whitespace collapsing (`<pre>` keeps its own), `&nbsp;` as
 *   a plain space;
 * - tags are dropped, their text kept: `<at id="0">Megan</at>` is `Megan`;
 * - block elements (`<p>`, `<div>`, `<li>`, headings, rows...) start a new line, `<br>`
 *   is a line break, table cells are separated by a tab;
 * - `<img>`, `<emoji>` and `<customemoji>` become their `alt` text (nothing without one):
 *   an emoji is part of what was said, an inline picture only when it is described;
 * - `<script>`, `<style>`, `<head>`, `<title>` and comments are not visible, so dropped.
 * Never throws: htmlparser2 accepts any string.
 */
export function htmlToText(html: string): string {
  const collector = new TextCollector();
  const parser = new Parser(collector, { recognizeSelfClosing: true });
  parser.end(html);
  return collector.text();
}

const BLOCK = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "dd",
  "details",
  "div",
  "dl",
  "dt",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tbody",
  "tfoot",
  "thead",
  "tr",
  "ul",
]);
const CELL = new Set(["td", "th"]);
const INVISIBLE = new Set(["script", "style", "head", "title", "template"]);
const DESCRIBED = new Set(["img", "emoji", "customemoji"]);
/** HTML's whitespace (not every Unicode space: U+00A0 is content, turned into a space below). */
const HTML_SPACE = /[ \t\n\r\f]+/g;
const NBSP = /\u00a0/g;

class TextCollector implements Partial<Handler> {
  private out = "";
  /** A space was seen since the last word: written before the next word on the line. */
  private space = false;
  /** A block ended or started: the next word goes on a new line. */
  private newLine = false;
  /** A cell ended: the next word in the row is preceded by a tab. */
  private tab = false;
  private invisible = 0;
  private pre = 0;

  onopentag(name: string, attribs: Record<string, string>): void {
    if (INVISIBLE.has(name)) this.invisible++;
    else if (name === "br") this.lineBreak();
    else if (BLOCK.has(name)) this.block(name);
    else if (CELL.has(name)) this.cell();
    else if (DESCRIBED.has(name)) this.word(attribs["alt"]?.trim() ?? "");
  }

  onclosetag(name: string): void {
    if (INVISIBLE.has(name)) this.invisible = Math.max(0, this.invisible - 1);
    else if (BLOCK.has(name)) this.block(name, true);
    else if (CELL.has(name)) this.tab = true;
  }

  ontext(data: string): void {
    if (this.invisible > 0) return;
    if (this.pre > 0) {
      this.word(data.replace(NBSP, " "), true);
      return;
    }
    const collapsed = data.replace(HTML_SPACE, " ").replace(NBSP, " ");
    if (collapsed.trim() === "") {
      if (collapsed !== "") this.space = true;
      return;
    }
    if (collapsed.startsWith(" ")) this.space = true;
    this.word(collapsed.trim());
    this.space = collapsed.endsWith(" ");
  }

  text(): string {
    return this.out
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .trim();
  }

  private word(text: string, verbatim = false): void {
    if (text === "") return;
    if (this.out !== "") {
      if (this.newLine && !this.out.endsWith("\n")) this.out += "\n";
      else if (this.tab && !this.out.endsWith("\n")) this.out += "\t";
      else if (this.space && !this.out.endsWith("\n") && !verbatim) this.out += " ";
    }
    this.out += text;
    this.newLine = false;
    this.tab = false;
    this.space = false;
  }

  private block(name: string, closing = false): void {
    if (name === "pre") this.pre = Math.max(0, this.pre + (closing ? -1 : 1));
    this.newLine = true;
    this.space = false;
  }

  private cell(): void {
    this.space = false;
  }

  private lineBreak(): void {
    if (this.newLine && this.out !== "" && !this.out.endsWith("\n")) this.out += "\n";
    this.out += "\n";
    this.newLine = false;
    this.tab = false;
    this.space = false;
  }
}
