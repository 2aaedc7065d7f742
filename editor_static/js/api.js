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
  validate: (graph) =>
    gql(`query($graph: JSON!) { validateFlow(graph: $graph) { valid ${ISSUES} } }`, {
      graph,
    }).then((data) => data.validateFlow),
  contacts: (email) =>
    gql(
      `query($filter: [PropertyFilter!]) { contacts(first: 20, filter: $filter) {
        edges { node { id email } } } }`,
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
};

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
