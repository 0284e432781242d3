"""Every statement sharekit sends or prints is rendered here from `sql_templates/*.sql.j2`.

Templates get *stored* names and quote them with the `ident` / `fqn` filters and text with
`literal`, so quoting rules live in `identifiers` alone. `--templates DIR` overrides any
template by file name. Output is stable: same input, same bytes, one `;`-terminated statement.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from sharekit.errors import TemplateError
from sharekit.sql import identifiers

TEMPLATE_NAMES = (
    "create_database", "create_schema", "create_view", "view_select", "create_share",
    "set_share_comment", "grant_to_share", "revoke_from_share", "add_accounts",
    "remove_accounts", "drop_view",
    # introspection
    "show_shares", "show_grants_to_share", "show_grants_of_share", "show_databases",
    "show_schemas", "show_views", "select_columns",
    # audit: its reads, and the statements its findings suggest
    "show_all_shares", "show_views_in_account", "drop_share", "set_view_secure",
    # check --data
    "check_data",
    # doctor: its reads, and the statements its findings suggest
    "doctor_context", "show_grants_to_role", "doctor_probe", "grant_on_account", "grant_database_ownership",
    "use_role",
    # export
    "export_create_stage", "export_create_watermarks", "export_read_watermarks", "export_watermarks_exist",
    "export_high_mark", "export_copy", "export_record_watermark", "export_get", "export_create_lock",
    "export_claim_lock", "export_read_lock", "export_release_lock", "export_add_location", "export_create_code_stage",
    # listings (consumers in other regions): reads, changes, doctor's read and fix
    "show_listings", "describe_listing", "listing_create", "listing_alter", "listing_publish", "listing_drop",
    "global_sharing_enabled", "enable_global_sharing",
    # monitor: its reads, objects, the procedure's run and `monitor status`
    "monitor_show", "monitor_create_schema", "monitor_create_results", "monitor_create_stage", "monitor_put_code",
    "monitor_create_procedure", "monitor_create_task", "monitor_task_state", "monitor_set_schedule",
    "monitor_create_alert", "monitor_drop", "monitor_insert_results", "monitor_delete_old", "monitor_last_run",
    # reader (the database-connection route): its reads, then its changes
    "reader_show_roles", "reader_show_users", "reader_show_network_policies", "reader_show_warehouses",
    "reader_show_resource_monitors", "reader_show_grants_to_user", "reader_desc_user", "reader_show_user_parameters",
    "reader_desc_network_policy", "reader_create_role", "reader_grant", "reader_revoke", "reader_grant_role",
    "reader_revoke_role", "reader_create_warehouse", "reader_create_network_policy", "reader_set_network_policy",
    "reader_create_user", "reader_alter_user", "reader_unset_user", "reader_create_resource_monitor",
    "reader_set_resource_monitor_quota", "reader_set_warehouse_monitor",
)


def builtin_dir() -> Path:
    """Installed wheels carry the templates inside the package; a source checkout keeps them top-level."""
    package = Path(__file__).parent.parent
    packaged = package / "sql_templates"
    return packaged if packaged.is_dir() else package.parent / "sql_templates"


def _fqn(parts: Any) -> str:
    return identifiers.fqn(*parts)


def _strict(name: str, fn: Any) -> Any:
    """A filter that names the undefined variable it got (Jinja would pass it in silently)."""

    def apply(value: Any, *args: Any) -> Any:
        if isinstance(value, jinja2.Undefined):
            raise jinja2.UndefinedError(f"{value._undefined_name!r} is undefined (given to the {name} filter)")
        return fn(value, *args)

    return apply


class Templates:
    """A Jinja2 environment over the built-in templates, optionally overridden by a directory."""

    def __init__(self, override_dir: str | Path | None = None) -> None:
        search = [str(builtin_dir())]
        self.override_dir: Path | None = None
        self.overrides: frozenset[str] = frozenset()  # names of the templates the directory replaces
        if override_dir is not None:
            override = Path(override_dir)
            if not override.is_dir():
                raise TemplateError(f"--templates {override}: not a directory")
            search.insert(0, str(override))
            self.override_dir = override
            self.overrides = frozenset(path.name.removesuffix(".sql.j2") for path in override.glob("*.sql.j2"))
        # A template file is input, not code: the sandbox refuses attribute access to Python
        # internals (`cycler.__init__.__globals__…`), so an override cannot run commands.
        self.env = jinja2.sandbox.ImmutableSandboxedEnvironment(
            loader=jinja2.FileSystemLoader(search),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        # The built-in templates are sharekit's own code: without an override directory they
        # render outside the sandbox, whose check of every attribute access is most of the
        # rendering cost at thousands of views; they never change during a run (no auto_reload).
        self._rendering = self.env if override_dir is not None else jinja2.Environment(
            loader=jinja2.FileSystemLoader(search),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        for env in (self.env, self._rendering):  # the same environment twice when overridden
            env.filters.update(ident=_strict("ident", identifiers.quote), fqn=_strict("fqn", _fqn),
                               literal=_strict("literal", identifiers.string_literal))

    def render(self, name: str, **context: Any) -> str:
        """Render `name.sql.j2`; trailing spaces and tabs stripped from each line and the ends.

        Lines are split on "\n" alone: str.splitlines() also breaks at \v, \f, \x1c-\x1e, \x85,
        U+2028 and U+2029, which may sit inside a string literal (a comment, a `$$…$$` in a
        `where:`) and must reach the account unchanged."""
        try:
            text = self._rendering.get_template(f"{name}.sql.j2").render(**context)
        except jinja2.TemplateNotFound:
            raise TemplateError(f"template {name}.sql.j2 not found in {builtin_dir()}") from None
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as error:
            # TypeError: an undefined variable reached a filter (e.g. a misspelt name in an override)
            raise TemplateError(f"template {self._file(name)} failed to render: {error}") from None
        text = "\n".join(line.rstrip(" \t") for line in text.split("\n")).strip(" \t\n")
        if name in self.overrides:
            self._one_statement(name, text)
        return text

    def _file(self, name: str) -> str:
        if self.override_dir is not None and name in self.overrides:
            return str(self.override_dir / f"{name}.sql.j2")
        return f"{name}.sql.j2"

    def _one_statement(self, name: str, text: str) -> None:
        """An override must render one statement, as the built-in does: a second one would run
        unseen behind the first (`plan` shows each change as one statement)."""
        from sharekit.local.sqltext import split_statements

        count = len(split_statements(text))
        if count != 1:
            raise TemplateError(f"template {self._file(name)} renders {count} statements; a template renders "
                                "exactly one, like the built-in it replaces")

    def check_all(self) -> list[str]:
        """Problems with any template (missing, syntax errors): for `validate`."""
        problems = []
        for name in sorted(self.overrides - set(TEMPLATE_NAMES)):
            hint = difflib.get_close_matches(name, TEMPLATE_NAMES, n=1)
            problems.append(f"{self.override_dir}/{name}.sql.j2 overrides no template"
                            + (f" (did you mean {hint[0]}.sql.j2?)" if hint else "")
                            + "; rename it to a built-in template's name, or remove it")
        for name in TEMPLATE_NAMES:
            try:
                self.env.get_template(f"{name}.sql.j2")
            except jinja2.TemplateNotFound:
                problems.append(f"template {name}.sql.j2 is missing")
            except jinja2.TemplateSyntaxError as error:
                problems.append(f"{error.filename or name}:{error.lineno}: template syntax error: {error.message}")
        return problems


@lru_cache(maxsize=4)
def get_templates(override_dir: str | None = None) -> Templates:
    return Templates(override_dir)
