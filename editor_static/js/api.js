// The only module that talks to the server: GraphQL over fetch and, for subscriptions, over a
// WebSocket (graphql-ws, vendored), with the operator's token from localStorage. A refused
// request rejects with an ApiError carrying the contract's code.
import { createClient } from "../vendor/graphql-ws/client.js";

const TOKEN_KEY = "propflow.token";

export class ApiError extends Error {
  constructor(message, extensions = {}) {
    super(message);
    this.name = "ApiError";
    this.code = extensions.code ?? "ERROR";
    this.extensions = extensions;
  }
}

export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

export function signIn(value) {
  localStorage.setItem(TOKEN_KEY, value.trim());
}

export function signOut() {
  localStorage.removeItem(TOKEN_KEY);
}

// Automatic persisted queries (Apollo's protocol): a document goes with its SHA-256 the first
// time this page sends it, and as the hash alone after that; PERSISTED_QUERY_NOT_FOUND (a
// restarted server) sends the text again. Without WebCrypto (a page served over plain HTTP, not
// from localhost) the text goes every time.
const sentHashes = new Map();

async function sha256(text) {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function gql(query, variables = {}) {
  const known = sentHashes.get(query);
  const hash = known ?? (await sha256(query));
  const extensions = hash ? { persistedQuery: { version: 1, sha256Hash: hash } } : undefined;
  let body = known ? await post({ variables, extensions }) : null;
  if (!known || body.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND") {
    body = await post({ query, variables, extensions });
    if (hash) sentHashes.set(query, hash);
  }
  if (body.errors?.length) throw graphqlError(body.errors);
  return body.data;
}

async function post(request) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
      body: JSON.stringify(request),
    });
  } catch {
    throw new ApiError("The server cannot be reached.", { code: "NETWORK" });
  }
  const body = await response.json().catch(() => null);
  if (!body) throw new ApiError(`The server answered ${response.status}.`, { code: "HTTP" });
  return body;
}

const LISTED = "id name revision enabled updatedAt published { version }";
const FLOW = `${LISTED} draft stats { nodeId entered }
  versions { version publishedAt publishedBy { email } }`;
const ISSUES = "issues { code severity message nodeId edgeId }";
const MESSAGES = "messages { id text options expectsAnswer }";

export const queries = {
  me: () => gql("{ me { id email name } workspace { name } }"),
  flows: () => gql(`{ flows { ${LISTED} } }`).then((data) => data.flows),
  flow: (id) => gql(`query($id: ID!) { flow(id: $id) { ${FLOW} } }`, { id }).then((d) => d.flow),
  draft: (id) =>
    gql("query($id: ID!) { flow(id: $id) { revision draft } }", { id }).then((d) => d.flow),
  versionGraph: (id, version) =>
    gql("query($id: ID!) { flow(id: $id) { versions { version graph } } }", { id }).then(
      (d) => d.flow.versions.find((item) => item.version === version).graph,
    ),
  nodeTypes: () =>
    gql("{ nodeTypes { type label category isTrigger waits configSchema ports } }").then(
      (data) => data.nodeTypes,
    ),
  properties: () =>
    gql("{ properties(includeHidden: true) { key label type options hidden } }").then((data) => data.properties),
  // The property types with the filter operators that fit each (property_types.js).
  propertyTypes: () =>
    gql("{ propertyTypes { type label operators { op label unary } } }").then((data) => data.propertyTypes),
  validate: (graph) =>
    gql(`query($graph: JSON!) { validateFlow(graph: $graph) { valid ${ISSUES} } }`, {
      graph,
    }).then((data) => data.validateFlow),
  // The preview may run as any contact, an anonymous visitor too.
  contacts: (email) =>
    gql(
      `query($filter: [PropertyFilter!]) { contacts(first: 20, filter: $filter, includeAnonymous: true) {
        edges { node { id email visitorId } } } }`,
      { filter: email ? [{ key: "email", op: "CONTAINS", value: email }] : null },
    ).then((data) => data.contacts.edges.map((edge) => edge.node)),
  simulate: (graph, events, contactId) =>
    gql(
      `query($graph: JSON!, $events: JSON!, $contactId: ID) {
        simulateFlow(graph: $graph, events: $events, contactId: $contactId) {
          ${MESSAGES} effects path waitingAt } }`,
      { graph, events, contactId },
    ).then((data) => data.simulateFlow),
};

export const mutations = {
  createFlow: (name) =>
    gql("mutation($name: String!) { createFlow(name: $name) { id } }", { name }).then(
      (data) => data.createFlow,
    ),
  saveDraft: (id, { graph, name, expectedRevision }) =>
    gql(
      `mutation($id: ID!, $graph: JSON!, $name: String, $rev: Int) {
        saveFlowDraft(id: $id, graph: $graph, name: $name, expectedRevision: $rev) {
          ${LISTED} } }`,
      { id, graph, name, rev: expectedRevision },
    ).then((data) => data.saveFlowDraft),
  publish: (id) =>
    gql(`mutation($id: ID!) { publishFlow(id: $id) { ${FLOW} } }`, { id }).then(
      (data) => data.publishFlow,
    ),
  restore: (id, version) =>
    gql(`mutation($id: ID!, $v: Int!) { restoreFlowVersion(id: $id, version: $v) { ${FLOW} } }`, {
      id,
      v: version,
    }).then((data) => data.restoreFlowVersion),
  setEnabled: (id, enabled) =>
    gql(`mutation($id: ID!, $on: Boolean!) { setFlowEnabled(id: $id, enabled: $on) { ${LISTED} } }`, {
      id,
      on: enabled,
    }).then((data) => data.setFlowEnabled),
  deleteFlow: (id) => gql("mutation($id: ID!) { deleteFlow(id: $id) }", { id }),
};

// Settings → Contact properties (property_list.js).
const PROPERTY = `id key label type options hidden builtIn createdAt contactCount
  createdBy { email } usedByFlows { id name }`;

export const settings = {
  properties: () =>
    gql(`{ properties(includeHidden: true) { ${PROPERTY} } }`).then((data) => data.properties),
  create: (input) =>
    gql(`mutation($input: CreatePropertyInput!) { createProperty(input: $input) { ${PROPERTY} } }`, {
      input,
    }).then((data) => data.createProperty),
  update: (input) =>
    gql(`mutation($input: UpdatePropertyInput!) { updateProperty(input: $input) { ${PROPERTY} } }`, {
      input,
    }).then((data) => data.updateProperty),
  remove: (id) => gql("mutation($id: ID!) { deleteProperty(id: $id) }", { id }),
  // The key createProperty would derive from `label`; refused when no key can be derived.
  keyFor: (label) =>
    gql("query($label: String!) { propertyKey(label: $label) }", { label }).then((data) => data.propertyKey),
};

// The Contacts pages (contact_list.js, contact_details.js, contact_import.js).
const CONTACT = "id email visitorId createdAt updatedAt lastSeenAt properties { key value }";
const CHANGE = `key oldValue newValue source at operator { email } flowId flowName flowVersion nodeId`;

export const contacts = {
  list: ({ after = null, filter = [], sort = [], includeAnonymous = false, search = null, first = 50 }) =>
    gql(
      `query($first: Int, $after: String, $filter: [PropertyFilter!], $sort: [ContactSort!], $anonymous: Boolean, $search: String) {
        contacts(first: $first, after: $after, filter: $filter, sort: $sort, includeAnonymous: $anonymous, search: $search) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { ${CONTACT} } } } }`,
      { first, after, filter, sort, anonymous: includeAnonymous, search },
    ).then((data) => data.contacts),
  get: (id) =>
    gql(`query($id: ID!) { contact(id: $id) { ${CONTACT} history(first: 100) { ${CHANGE} } } }`, {
      id,
    }).then((data) => data.contact),
  setValue: (id, key, value) =>
    gql(
      `mutation($id: ID!, $values: [PropertyValueInput!]!) {
        setContactProperties(contactId: $id, values: $values) { ${CONTACT} } }`,
      { id, values: [{ key, value }] },
    ).then((data) => data.setContactProperties),
  increment: (id, key, by) =>
    gql(
      `mutation($id: ID!, $key: String!, $by: Float) {
        incrementContactProperty(contactId: $id, key: $key, by: $by) { ${CONTACT} } }`,
      { id, key, by },
    ).then((data) => data.incrementContactProperty),
  // Every committed change of one contact (or of all when `id` is null), with its new values.
  watch: (id, handlers) =>
    subscribe(
      `subscription($id: ID) { contactUpdated(contactId: $id) {
        changedKeys source deleted contact { ${CONTACT} } } }`,
      { id },
      { ...handlers, next: (data) => handlers.next(data.contactUpdated) },
    ),
  // The CSV of the filtered contacts as a Blob; the endpoint needs the bearer token.
  exportCsv: async ({ filter, columns, sort, includeAnonymous, search = "" }) => {
    const query = new URLSearchParams({
      filter: JSON.stringify(filter),
      sort: JSON.stringify(sort),
      columns: columns.join(","),
      includeAnonymous: String(includeAnonymous),
      search: search ?? "",
    });
    const response = await http(`/export/contacts.csv?${query}`, { method: "GET" });
    return response.blob();
  },
  // POST /import/contacts.csv: {created, updated, unchanged, failed, dryRun, skippedColumns, failedRowsCsv}.
  importCsv: async (file, { dryRun, mapping, skipUnknown }) => {
    const query = new URLSearchParams({
      dryRun: String(dryRun),
      skipUnknown: String(skipUnknown),
      mapping: JSON.stringify(mapping),
    });
    const response = await http(`/import/contacts.csv?${query}`, {
      method: "POST",
      headers: { "Content-Type": "text/csv" },
      body: file,
    });
    return response.json();
  },
};

// A plain HTTP call with the bearer token; a refusal rejects with its JSON `error` message.
async function http(path, { headers = {}, ...options }) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: { ...headers, Authorization: `Bearer ${token()}` } });
  } catch {
    throw new ApiError("The server cannot be reached.", { code: "NETWORK" });
  }
  if (response.ok) return response;
  const body = await response.json().catch(() => ({}));
  throw new ApiError(body.error ?? `The server answered ${response.status}.`, body);
}

// Reconnecting after an unexpected close. These are the rules; the visitor widget
// (widget/widget.js, one dependency-free file with its own small client) follows them too:
// - wait retryDelay(n) = min(30 s, 1 s × 2^n) before retry n (n = 0, 1, 2, …, no jitter), and set
//   n back to 0 once a connection is acknowledged;
// - retry without limit, except after a refused token or workspace key (close 4401 or 4403): the
//   same credentials would be refused again, so the error is reported instead.
// graphql-ws also gives up on closes its protocol calls fatal (4400, 4406, 4409, 4429, 4500 and
// 1002–1011 but 1005/1006): a broken client or server, which another try would not mend.
const REFUSED = [4401, 4403];

function retryDelay(retries) {
  return Math.min(30_000, 1000 * 2 ** retries);
}

// One GraphQL subscription on its own graphql-transport-ws connection (the vendored graphql-ws
// client), with the token in connection_init and reconnecting by the rules above. `handlers`:
// next(data), error(ApiError), state("connecting" | "on" | "off"). Returns {close()}.
export function subscribe(query, variables, handlers) {
  let closed = false;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const client = createClient({
    url: `${scheme}://${location.host}/graphql`,
    connectionParams: () => ({ authorization: `Bearer ${token()}` }),
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelay(retries))),
    shouldRetry: (reason) => !REFUSED.includes(reason?.code),
    on: {
      connecting: () => handlers.state?.("connecting"),
      connected: () => handlers.state?.("on"),
      closed: () => closed || handlers.state?.("off"),
    },
  });
  const stop = client.subscribe(
    { query, variables },
    {
      next: (result) =>
        result.errors?.length ? handlers.error?.(graphqlError(result.errors)) : handlers.next(result.data),
      error: (reason) => handlers.error?.(subscriptionError(reason)),
      complete: () => {},
    },
  );
  return {
    close() {
      closed = true;
      stop();
      client.dispose();
    },
  };
}

// graphql-ws ends a subscription with the server's GraphQL errors or with the close that ended it.
function subscriptionError(reason) {
  if (Array.isArray(reason)) return graphqlError(reason);
  if (REFUSED.includes(reason?.code)) return new ApiError(reason.reason || "Not signed in", { code: "UNAUTHENTICATED" });
  return new ApiError(reason?.reason || "The live connection failed.", { code: "NETWORK" });
}

// A refusal as an ApiError: the first GraphQL error, with its contract code in `extensions`.
function graphqlError([first]) {
  return new ApiError(first?.message ?? "The server refused the request.", first?.extensions);
}

// Settings → Install the widget (settings_page.js).
const WORKSPACE = "name publicKey allowedOrigins";

export const workspace = {
  get: () => gql(`{ workspace { ${WORKSPACE} } }`).then((data) => data.workspace),
  setAllowedOrigins: (origins) =>
    gql(
      `mutation($origins: [String!]!) { updateWorkspaceSettings(allowedOrigins: $origins) { ${WORKSPACE} } }`,
      { origins },
    ).then((data) => data.updateWorkspaceSettings),
};

// The Inbox (inbox.js, conversation_view.js, visitor_details.js) and the contact page's activity.
// Within the edge's depth limit (half of it, as every document here): contacts are named by
// email or visitor id in lists; the Visitor details panel reads the whole contact.
const MESSAGE = "id author authorName text options chosen at";
const CONVERSATION = `id status waitingForOperator lastActivityAt unreadCount
  assignee { id email name } lastMessage { ${MESSAGE} }
  contact { id email visitorId }`;
const ONLINE = "visitorId currentUrl pagesThisVisit onlineSince contact { id email visitorId }";
const MESSAGE_PAGE = `edges { cursor node { ${MESSAGE} } } hasEarlier`;
const ACTIVITY = `pageViews(first: 20) { url at }
  flowRuns(first: 20) { id version status startedAt finishedAt flow { id name } }`;

export const inbox = {
  // `filter`: {status, assigneeId, unassigned}; newest activity first, with the operator's unread total.
  conversations: (filter, after = null) =>
    gql(
      `query($filter: ConversationFilter, $after: String) { conversations(filter: $filter, first: 50, after: $after) {
        totalUnread pageInfo { hasNextPage endCursor } edges { node { ${CONVERSATION} } } } }`,
      { filter, after },
    ).then((data) => data.conversations),
  conversation: (id, before = null) =>
    gql(
      `query($id: ID!, $before: String) { conversation(id: $id) { ${CONVERSATION}
        messages(first: 50, before: $before) { ${MESSAGE_PAGE} } } }`,
      { id, before },
    ).then((data) => data.conversation),
  onlineVisitors: () => gql(`{ onlineVisitors { ${ONLINE} } }`).then((data) => data.onlineVisitors),
  operators: () => gql("{ operators { id email name } }").then((data) => data.operators),
  start: (contactId) =>
    gql(`mutation($id: ID!) { startConversation(contactId: $id) { ${CONVERSATION} } }`, { id: contactId }).then(
      (data) => data.startConversation,
    ),
  send: (conversationId, text) =>
    gql(`mutation($id: ID!, $text: String!) { sendOperatorMessage(conversationId: $id, text: $text) { ${MESSAGE} } }`, {
      id: conversationId,
      text,
    }).then((data) => data.sendOperatorMessage),
  resolve: (id) =>
    gql(`mutation($id: ID!) { resolveConversation(conversationId: $id) { ${CONVERSATION} } }`, { id }).then(
      (data) => data.resolveConversation,
    ),
  reopen: (id) =>
    gql(`mutation($id: ID!) { reopenConversation(conversationId: $id) { ${CONVERSATION} } }`, { id }).then(
      (data) => data.reopenConversation,
    ),
  // `operatorId` null unassigns.
  assign: (id, operatorId) =>
    gql(
      `mutation($id: ID!, $op: ID) { assignConversation(conversationId: $id, operatorId: $op) { ${CONVERSATION} } }`,
      { id, op: operatorId },
    ).then((data) => data.assignConversation),
  markRead: (id) =>
    gql(`mutation($id: ID!) { markConversationRead(conversationId: $id) { ${CONVERSATION} } }`, { id }).then(
      (data) => data.markConversationRead,
    ),
  // Messages, conversation changes and visitors coming, moving and going, for the workspace.
  watch: (handlers) =>
    subscribe(
      `subscription { inboxEvents { kind conversation { ${CONVERSATION} } message { ${MESSAGE} } visitor { ${ONLINE} } } }`,
      {},
      { ...handlers, next: (data) => handlers.next(data.inboxEvents) },
    ),
  // One contact's last 20 pages viewed, flows run and current (or latest) conversation.
  activity: (contactId) =>
    gql(`query($id: ID!) { contact(id: $id) { ${ACTIVITY} conversation { id status } } }`, { id: contactId }).then(
      (data) => data.contact,
    ),
};

// Runs an operator can watch and stop: a flow's runs and webhook deliveries (the editor's Runs
// tab), a contact's runs waiting on a timer (the contact page).
const RUN = "id version status currentNodeId startedAt finishedAt resumeAt failure flow { id name } contact { id email visitorId }";
const DELIVERY = "id runId nodeId url status attempts lastStatusCode lastError updatedAt";

export const runs = {
  ofFlow: (flowId) =>
    gql(
      `query($id: ID!) { flowRuns(flowId: $id, first: 50) { ${RUN} } webhookDeliveries(flowId: $id, first: 50) { ${DELIVERY} } }`,
      { id: flowId },
    ),
  pendingOf: (contactId) =>
    gql(`query($id: ID!) { contactPendingSteps(contactId: $id) { ${RUN} } }`, { id: contactId }).then(
      (data) => data.contactPendingSteps,
    ),
  cancel: (id) =>
    gql(`mutation($id: ID!) { cancelFlowRun(id: $id) { ${RUN} } }`, { id }).then((data) => data.cancelFlowRun),
};
