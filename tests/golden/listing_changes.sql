ALTER LISTING SK_LISTING AS
$$
title: 'Acme: "orders" for Optimove'
listing_terms:
  type: OFFLINE
targets:
  accounts:
  - OPTIMOVE.APAC
  - OPTIMOVE.US_PROD
auto_fulfillment:
  refresh_type: SUB_DATABASE
  refresh_schedule: 60 MINUTE
$$;

ALTER LISTING SK_LISTING PUBLISH;

ALTER LISTING SK_LISTING UNPUBLISH;

DROP LISTING SK_LISTING;
