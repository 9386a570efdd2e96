import { describe, expect, it } from "vitest";
import { htmlToText } from "../../src/normalize/index.ts";

describe("htmlToText: a Teams HTML body as plain text", () => {
  it.each([
    [
      "decodes entities",
      "<p>Q&amp;A &lt;draft&gt; &quot;x&quot; &#x1F600; &eacute;</p>",
      'Q&A <draft> "x" 😀 é',
    ],
    [
      "keeps a mention as its text",
      '<p>Hi&nbsp;<at id="0">Megan Bowen</at>!</p>',
      "Hi Megan Bowen!",
    ],
    [
      "puts block elements on their own lines",
      "<div>one</div><div>two</div><p>three</p>",
      "one\ntwo\nthree",
    ],
    ["turns <br> into line breaks, two into a blank line", "a<br>b<br/><br>c", "a\nb\n\nc"],
    ["collapses HTML whitespace", "  Hello \n\t  <b>big</b>   world  ", "Hello big world"],
    ["keeps <pre> as written", "<pre>if (x)\n  y();</pre>", "if (x)\n  y();"],
    [
      "uses an emoji's or image's alt, drops an image without one",
      '<p>ok <emoji alt="👍"></emoji><img src="a.png"><img alt="chart" src="b.png"></p>',
      "ok 👍chart",
    ],
    [
      "drops scripts, styles and comments",
      "a<script>evil()</script><style>p{}</style><!-- note -->b",
      "ab",
    ],
    [
      "separates table cells by tabs, rows by lines",
      "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
      "a\tb\nc\td",
    ],
    [
      "reads a quoted reply as text",
      '<blockquote itemtype="http://schema.skype.com/Reply"><p>original</p></blockquote><p>answer</p>',
      "original\nanswer",
    ],
    ["returns nothing for a system event body", "<systemEventMessage/>", ""],
    [
      "survives broken markup",
      "<div><p>unclosed <b>bold <i>both</div> tail &amp",
      "unclosed bold both\ntail &",
    ],
  ])("%s", (_name, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});
