/** What generated messages say and carry. Plain data; order matters for determinism. */

export const OPENERS = [
  "Morning all",
  "Quick question",
  "FYI",
  "Heads up",
  "Thanks",
  "Sounds good",
  "Agreed",
  "Not sure",
  "Following up",
  "Update",
] as const;

export const SENTENCES = [
  "the build is green again",
  "can we move the review to Thursday?",
  "I pushed the fix, please take a look",
  "the customer confirmed the order",
  "numbers for Q3 are in the sheet",
  "who owns the release notes this time?",
  "let's sync after lunch",
  "the vendor sent a new quote",
  "I'm out tomorrow, ping me on mobile",
  "draft is ready for comments",
  "we hit the rate limit again last night",
  "the demo went well 🎉",
  "R&D wants the budget by Friday",
  "x < y holds for every input we tried",
  "café order: 2 × flat white",
  'see the "Risks" section',
] as const;

/** HTML bodies with entities, formatting and Teams' own tags, `{text}` replaced. */
export const HTML_TEMPLATES = [
  "<p>{text}</p>",
  "<div><div>{text}</div></div>",
  "<p><b>{opener}</b>: {text}</p>",
  "<p>{opener}&nbsp;— {text}</p>",
  "<ul><li>{text}</li><li>R&amp;D sign-off</li></ul>",
  '<p>{text} <emoji id="1f44d_thumbsup" alt="👍" title="Thumbs up"></emoji></p>',
  "<p>{opener}</p><p>{text}</p>",
  '<div itemprop="copy-paste-block">{text}</div>',
  "<p>Compare a &lt; b &amp;&amp; b &gt; c: {text}</p>",
] as const;

export const FILE_NAMES = [
  "Budget FY25.xlsx",
  "Roadmap.pptx",
  "Meeting notes.docx",
  "architecture.pdf",
  "export.csv",
  "Screenshot 2024-05-02.png",
] as const;

export const CODE_LANGUAGES = ["TypeScript", "SQL", "Python", "Json", "Bash"] as const;

export const CARD_TITLES = [
  "Approval requested",
  "Build succeeded",
  "New ticket assigned",
  "Daily stand-up summary",
  "Poll: lunch options",
] as const;

/** Unicode reactions as Graph names them (`reactionType` is the emoji). */
export const UNICODE_REACTIONS = [
  { reactionType: "👍", displayName: "Thumbs up" },
  { reactionType: "❤️", displayName: "Heart" },
  { reactionType: "😂", displayName: "Face with tears of joy" },
  { reactionType: "🎉", displayName: "Party popper" },
  { reactionType: "💯", displayName: "Hundred points" },
  { reactionType: "👀", displayName: "Eyes" },
] as const;

/** Reactions from before Teams' emoji set, still returned for old messages. */
export const LEGACY_REACTIONS = ["like", "heart", "laugh", "surprised", "sad", "angry"] as const;

export const CUSTOM_REACTIONS = ["Party parrot", "Ship it", "Coffee break"] as const;
