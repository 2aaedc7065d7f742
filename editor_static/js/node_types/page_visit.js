// The page-visit trigger: "URL contains /pricing · once".
const MATCH = { exact: "is", contains: "contains", prefix: "starts with", glob: "matches" };

export default {
  icon: "▶",
  choices: {
    match: {
      exact: "URL is exactly",
      contains: "URL contains",
      prefix: "URL starts with",
      glob: "URL matches (* and ? wildcards)",
    },
    limit: { once_per_visitor: "Once per visitor", every_visit: "No limit (every visit)" },
  },
  placeholders: { url: "/pricing" },
  summary: (config) =>
    `URL ${MATCH[config.match] ?? "contains"} ${config.url || "…"} · ` +
    (config.limit === "every_visit" ? "every visit" : "once"),
};
