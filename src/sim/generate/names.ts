/** Word lists the generator draws from. Plain data; order matters for determinism. */

export const GIVEN_NAMES = [
  "Adele",
  "Alex",
  "Allan",
  "Amara",
  "Bianca",
  "Bruno",
  "Chen",
  "Chloe",
  "Diego",
  "Dmitri",
  "Elif",
  "Emma",
  "Farah",
  "Felix",
  "Grace",
  "Hiro",
  "Ines",
  "Isaac",
  "Jana",
  "Joni",
  "Kofi",
  "Lara",
  "Lee",
  "Lidia",
  "Lynne",
  "Mateo",
  "Megan",
  "Miriam",
  "Nestor",
  "Noor",
  "Olga",
  "Omar",
  "Patti",
  "Pradeep",
  "Quinn",
  "Rosa",
  "Sanjay",
  "Sofia",
  "Tomas",
  "Yuki",
] as const;

export const SURNAMES = [
  "Adams",
  "Baker",
  "Costa",
  "Dubois",
  "Eriksen",
  "Fischer",
  "Garcia",
  "Haddad",
  "Ivanova",
  "Jensen",
  "Kim",
  "Lopez",
  "Mensah",
  "Nakamura",
  "Okafor",
  "Petrov",
  "Quinn",
  "Rossi",
  "Schmidt",
  "Tanaka",
  "Urban",
  "Varga",
  "Wilber",
  "Xu",
  "Yilmaz",
  "Zhang",
  "O'Brien",
  "Müller",
  "Gomes",
  "Novak",
] as const;

export const JOB_TITLES = [
  "Engineer",
  "Product Manager",
  "Designer",
  "Sales Lead",
  "Support Agent",
  "Analyst",
  "Marketing Manager",
  "Director",
  "Recruiter",
  "Accountant",
] as const;

export const GROUP_TOPICS = [
  "Project Falcon",
  "Quarterly planning",
  "Lunch crew",
  "Release 4.2",
  "Design review",
  "Incident bridge",
  "Offsite logistics",
  "Hiring loop",
  "Customer escalations",
  "Budget 2024",
  "Book club",
  "On-call handover",
  "Ünïcödé & emoji 🚀 topic",
] as const;

export const MEETING_TOPICS = [
  "Weekly sync",
  "Sprint review",
  "1:1 catch-up",
  "All hands",
  "Customer demo",
  "Architecture deep dive",
  "Retrospective",
] as const;

export const MESSAGE_TEXTS = [
  "Sounds good, thanks!",
  "Can you share the deck?",
  "I'll be 5 minutes late",
  "Testing unread read status",
  "Pushed the fix, please review",
  "👍",
  "See you tomorrow",
  "Where are we on the budget numbers?",
  "Line one\nline two",
  "Quotes \"inside\" and 'out'",
] as const;

export const HTML_MESSAGES = [
  "<p>Please see the <b>updated</b> plan</p>",
  '<attachment id="ee8d34acd36d4dfe87ca6ad4e060b7be"></attachment>',
  '<p><at id="0">Team</at> meeting moved to 3pm</p>',
  "<div><div>Shared a file</div></div>",
] as const;

/** Bots that post into chats (`from.application`). */
export const BOTS = [
  { displayName: "talla", applicationIdentityType: "bot" },
  { displayName: "Polly", applicationIdentityType: "bot" },
  { displayName: "Contoso Helpdesk", applicationIdentityType: "tenantBot" },
  { displayName: "Workflows", applicationIdentityType: "bot" },
] as const;

/** Teams apps that may be installed in chats (names for event details). */
export const APP_NAMES = [
  "Polls",
  "Planner",
  "Whiteboard",
  "Approvals",
  "Contoso Tracker",
] as const;

export const EXTERNAL_DOMAINS = [
  "fabrikam.com",
  "adatum.com",
  "litware.io",
  "outlook.com",
] as const;
