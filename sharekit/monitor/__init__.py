"""sharekit's checks inside Snowflake on a schedule (`monitor:` in sharekit.yml).

- `objects`: the results table, code stage, procedure, task and alert; their introspection and
  the plan's stages;
- `package`: the code archive the procedure imports (sharekit, the config, the Optimove specs);
- `run`: one run of the checks, writing the results table (the procedure's body, and what
  `sharekit local run-task` runs on the local account);
- `procedure`: the procedure's handler and the bridge from a Snowpark Session to sharekit's
  Session interface (Snowpark is imported there only);
- `status`: the last run as `sharekit monitor status` reports it.
"""
