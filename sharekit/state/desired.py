"""Config → the AccountState it asks for: views with their CREATE statements, grants, consumers."""

from __future__ import annotations

from sharekit.config.model import Config, View
from sharekit.sql import statements
from sharekit.sql.templates import Templates
from sharekit.state.access import desired_reader
from sharekit.state.listing import desired_listing
from sharekit.state.model import AccountState, ColumnState, Grant, ShareState, ViewState


def view_state(t: Templates, config: Config, view: View) -> ViewState:
    database = config.share.database
    if view.source is not None:
        select = statements.view_select(t, view.columns, view.source, view.where)
    else:
        assert view.query is not None
        select = view.query
    text = statements.create_view(t, (database, view.schema, view.name), view.columns, view.comment, select)
    return ViewState(
        database=database,
        schema=view.schema,
        name=view.name,
        columns=tuple(ColumnState(c.name, c.comment) for c in view.columns),
        comment=view.comment,
        secure=True,
        text=text,
    )


def desired_grants(config: Config) -> frozenset[Grant]:
    """USAGE on the database and each schema, REFERENCE_USAGE on every other database a view
    reads (derived, never declared), SELECT on each view."""
    db = config.share.database
    grants = {Grant("USAGE", "DATABASE", (db,))}
    grants |= {Grant("USAGE", "SCHEMA", (db, schema)) for schema in config.schemas}
    grants |= {Grant("REFERENCE_USAGE", "DATABASE", (ref,)) for ref in config.reference_databases}
    grants |= {Grant("SELECT", "VIEW", (db, v.schema, v.name)) for v in config.views}
    return frozenset(grants)


def desired_state(config: Config, t: Templates, region: str | None = None) -> AccountState:
    """`region`: the account's (AccountState.region); consumers in other regions are reached
    through the share's listing when one is declared, not added to the share directly."""
    db = config.share.database
    views = {(db, v.schema, v.name): view_state(t, config, v) for v in config.views}
    listing = desired_listing(config, region)
    targets = set(listing.targets) if listing else set()
    share = ShareState(
        name=config.share.name,
        comment=config.share.comment,
        database=db,
        accounts=frozenset(c.account for c in config.share.consumers if c.account not in targets),
        grants=desired_grants(config),
    )
    return AccountState(
        share=share,
        databases=frozenset({db}),
        schemas=frozenset((db, schema) for schema in config.schemas),
        views=views,
        region=region,
        listing=listing,
        reader=desired_reader(config) if config.reader else None,
    )
