// The only module that talks to the server: GraphQL over fetch, with the operator's token.
const TOKEN_KEY = "propflow.token";

export class ApiError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.extensions?.code ?? "ERROR";
    this.extensions = error.extensions ?? {};
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

export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new ApiError(body.errors[0]);
  return body.data;
}

const FLOW = "id name revision enabled draft updatedAt published { version } versions { version publishedAt } stats { nodeId entered }";

export const queries = {
  me: () => gql("{ me { email } workspace { name } }"),
  flows: () => gql(`{ flows { ${FLOW} } }`).then((data) => data.flows),
  flow: (id) => gql(`query($id: ID!) { flow(id: $id) { ${FLOW} } }`, { id }).then((d) => d.flow),
  nodeTypes: () =>
    gql("{ nodeTypes { type label category isTrigger waits configSchema ports } }").then(
      (data) => data.nodeTypes,
    ),
  properties: () =>
    gql("{ properties { key label type options hidden } }").then((data) => data.properties),
  validate: (graph) =>
    gql("query($graph: JSON!) { validateFlow(graph: $graph) { valid issues { code severity message nodeId edgeId } } }", { graph }).then((d) => d.validateFlow),
  version: (id) =>
    gql("query($id: ID!) { flow(id: $id) { versions { version graph publishedAt } } }", { id }).then(
      (d) => d.flow.versions,
    ),
};

export const mutations = {
  createFlow: (name) =>
    gql(`mutation($name: String!) { createFlow(name: $name) { ${FLOW} } }`, { name }).then((d) => d.createFlow),
  saveDraft: (id, graph, expectedRevision, name) =>
    gql(
      `mutation($id: ID!, $graph: JSON!, $rev: Int, $name: String) { saveFlowDraft(id: $id, graph: $graph, expectedRevision: $rev, name: $name) { ${FLOW} } }`,
      { id, graph, rev: expectedRevision, name },
    ).then((d) => d.saveFlowDraft),
  publish: (id) => gql(`mutation($id: ID!) { publishFlow(id: $id) { ${FLOW} } }`, { id }).then((d) => d.publishFlow),
  restore: (id, version) =>
    gql(`mutation($id: ID!, $v: Int!) { restoreFlowVersion(id: $id, version: $v) { ${FLOW} } }`, { id, v: version }).then((d) => d.restoreFlowVersion),
  setEnabled: (id, enabled) =>
    gql(`mutation($id: ID!, $on: Boolean!) { setFlowEnabled(id: $id, enabled: $on) { ${FLOW} } }`, { id, on: enabled }).then((d) => d.setFlowEnabled),
  deleteFlow: (id) => gql("mutation($id: ID!) { deleteFlow(id: $id) }", { id }),
  simulate: (graph, events, contactId) =>
    gql("query($graph: JSON!, $events: JSON!, $contactId: ID) { simulateFlow(graph: $graph, events: $events, contactId: $contactId) { messages { text options expectsAnswer } effects path waitingAt } }", { graph, events, contactId: contactId || null }).then((d) => d.simulateFlow),
};
