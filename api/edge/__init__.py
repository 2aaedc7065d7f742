"""The public edge: what every request meets before the schema runs.

The widget puts `/graphql` on the open internet, so each anonymous byte is treated as hostile:
bodies are capped before they are read (`body_limit`), decoded strictly (`payload`), and only
documents within the size, token, depth, alias, directive and cost limits are parsed, cached and
executed (`documents`, `measure`). Every request carries an id (`request_ids`), and log lines
never carry more than a few hundred characters of what a client sent (`log_clipping`).
"""
