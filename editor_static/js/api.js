// The only module that talks to the server: GraphQL over fetch, with the operator's token from
// localStorage. A refused request rejects with an ApiError carrying the contract's code.
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

async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The server cannot be reached.", { code: "NETWORK" });
  }
  const body = await response.json().catch(() => null);
  if (!body) throw new ApiError(`The server answered ${response.status}.`, { code: "HTTP" });
  if (body.errors?.length) throw new ApiError(body.errors[0].message, body.errors[0].extensions);
  return body.data;
}

const LISTED = "id name revision enabled updatedAt published { version }";
const FLOW = `${LISTED} draft stats { nodeId entered }
  versions { version publishedAt publishedBy { email } }`;
const ISSUES = "issues { code severity message nodeId edgeId }";
const MESSAGES = "messages { id text options expectsAnswer }";

export const queries = {
  me: () => gql("{ me { email } workspace { name } }"),
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
const CONTACT = "id email visitorId createdAt updatedAt properties { key value }";
const CHANGE = `key oldValue newValue source at operator { email } flowId flowName flowVersion nodeId`;

export const contacts = {
  list: ({ after = null, filter = [], sort = [], includeAnonymous = false, first = 50 }) =>
    gql(
      `query($first: Int, $after: String, $filter: [PropertyFilter!], $sort: [ContactSort!], $anonymous: Boolean) {
        contacts(first: $first, after: $after, filter: $filter, sort: $sort, includeAnonymous: $anonymous) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { ${CONTACT} } } } }`,
      { first, after, filter, sort, anonymous: includeAnonymous },
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
  exportCsv: async ({ filter, columns, sort, includeAnonymous }) => {
    const query = new URLSearchParams({
      filter: JSON.stringify(filter),
      sort: JSON.stringify(sort),
      columns: columns.join(","),
      includeAnonymous: String(includeAnonymous),
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

// One GraphQL subscription over the graphql-transport-ws protocol, on its own WebSocket:
// connection_init with the token, subscribe once acknowledged, answer pings. An unexpected close
// reconnects after a growing delay (not when the token is refused). `handlers`: next(data),
// error(ApiError), state("connecting" | "on" | "off"). Returns {close()}.
export function subscribe(query, variables, handlers) {
  const REFUSED = [4401, 4403];
  let socket = null;
  let closed = false;
  let retries = 0;
  let timer = null;
  const send = (message) => socket.send(JSON.stringify(message));
  const connect = () => {
    handlers.state?.("connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    socket.addEventListener("open", () => {
      if (closed) return socket.close(1000);
      send({ type: "connection_init", payload: { authorization: `Bearer ${token()}` } });
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        retries = 0;
        send({ id: "1", type: "subscribe", payload: { query, variables } });
        handlers.state?.("on");
      } else if (message.type === "ping") {
        send({ type: "pong" });
      } else if (message.type === "next" && message.payload.errors?.length) {
        const [first] = message.payload.errors;
        handlers.error?.(new ApiError(first.message, first.extensions));
      } else if (message.type === "next") {
        handlers.next(message.payload.data);
      } else if (message.type === "error") {
        handlers.error?.(new ApiError(message.payload[0]?.message ?? "Subscription refused", message.payload[0]?.extensions));
      }
    });
    socket.addEventListener("close", (event) => {
      if (closed) return;
      handlers.state?.("off");
      if (REFUSED.includes(event.code)) return handlers.error?.(new ApiError(event.reason || "Not signed in", { code: "UNAUTHENTICATED" }));
      timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** retries++));
    });
  };
  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (socket.readyState === WebSocket.OPEN) {
        send({ id: "1", type: "complete" });
        socket.close(1000);
      }
    },
  };
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
