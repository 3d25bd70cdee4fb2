/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_collect.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_collect.h"
#include "vs_event_rules.h"
#include "vs_filter.h"
#include "vs_naming.h"

#include <math.h>

/* Seconds before a failed inventory refresh or state pass is tried again. */
#define INVENTORY_RETRY 30.0
/* An object a fault was about is left out of queries this long at most. */
#define MAX_LEFT_OUT 300.0
/* A read waits for answers at most this share of its interval (and at
 * least READ_MIN_BUDGET s); what is still in flight goes on next read. */
#define READ_BUDGET_SHARE 0.9
#define READ_MIN_BUDGET 2.0
/* Of that, update sets may take this share before the queries. */
#define UPDATES_SHARE 0.25
/* Reads in a row whose update stream failed (not in the connection)
 * after which it starts over with a full update. */
#define STREAM_MAX_FAILURES 3
/* Series not seen for this long (an instance that went away) are
 * forgotten at the next inventory refresh. */
#define SERIES_RETENTION_US (INT64_C(3600) * 1000000)

/* ---- the block's life ---- */

static vs_http_t *create_http(const vs_config_t *cfg) {
  long timeout_ms = (long)(cfg->timeout * 1000.0);
  long stall_ms = (long)(cfg->stall_timeout * 1000.0);
  vs_http_options_t opts = {
      .url = cfg->url,
      .verify_peer = cfg->verify_peer,
      .verify_host = cfg->verify_host,
      .ca_cert = cfg->ca_cert,
      .timeout_ms = timeout_ms,
      .stall_ms = stall_ms < timeout_ms ? stall_ms : timeout_ms,
      .connect_timeout_ms = timeout_ms,
      .max_response_bytes = cfg->max_response_size,
      .slots = cfg->concurrency,
  };
  vs_http_t *http = vs_http_create(&opts);
  if (http == NULL)
    ERROR("vsphere plugin: vCenter \"%s\": cannot set up libcurl.", cfg->name);
  else if (!cfg->verify_peer || !cfg->verify_host)
    WARNING("vsphere plugin: vCenter \"%s\": TLS certificate verification is "
            "off (VerifyPeer/VerifyHost false): the connection can be "
            "intercepted.",
            cfg->name);
  return http;
}

static vs_query_t *create_query(vs_vcenter_t *vc) {
  vc->limits = (vs_query_limits_t){
      .batch_size = vc->cfg.query_batch_size,
      .max_metrics = vc->cfg.max_query_metrics,
      .query_timeout = vc->cfg.query_timeout,
      .stall_timeout = vc->cfg.stall_timeout,
      .historical_lookback = vc->cfg.historical_lookback,
      .left_out = fmin(vc->cfg.inventory_interval, MAX_LEFT_OUT),
  };
  vs_query_env_t env = {
      .transport = &vc->transport,
      .log = &vc->log,
      .soap_action = vc->session.soap_action,
      .sc = &vc->session.sc,
      .inventory = &vc->inventory,
      .catalog = &vc->perf.catalog,
      .counters = vc->perf.counters,
      .params = vc->params,
      .historical_max_metrics = &vc->perf.historical_max_metrics,
      .limits = &vc->limits,
  };
  return vs_query_create(&env);
}

/* The event types vCenter is asked for, when they are all plain names. */
static int event_filter(vs_vcenter_t *vc) {
  size_t max = vs_default_events_num + vs_default_notify_events_num +
               vc->cfg.count_events.num + vc->cfg.notify_events_num;
  vc->event_types = calloc(max, sizeof(*vc->event_types));
  if (vc->event_types == NULL)
    return -1;
  vc->event_types_num = vs_event_server_types(&vc->cfg, vc->event_types, max);
  if (vc->event_types_num == 0) {
    /* (an empty list would ask vCenter for every event) */
    WARNING("vsphere plugin: vCenter \"%s\": Events true, but no event type "
            "is counted or notified (DefaultEvents false, no Event, every "
            "NotifyEvent \"none\"): events are not read.",
            vc->cfg.name);
    vc->cfg.events = false;
  } else if (vc->event_types_num == SIZE_MAX) {
    free(vc->event_types);
    vc->event_types = NULL;
    vc->event_types_num = 0;
  }
  return 0;
}

vs_vcenter_t *vs_vcenter_create(vs_config_t *cfg,
                                const vs_transport_t *transport) {
  vs_vcenter_t *vc = calloc(1, sizeof(*vc));
  if (vc == NULL)
    return NULL;
  vc->cfg = *cfg;
  memset(cfg, 0, sizeof(*cfg));
  vs_log_init(&vc->log, vc->cfg.name);
  vs_inventory_init(&vc->inventory);
  vs_inventory_init(&vc->building);
  vs_updates_init(&vc->updates);
  vc->catalog_unknown_id = -1;
  if (transport == NULL) {
    vc->http = create_http(&vc->cfg);
    if (vc->http == NULL) {
      vs_vcenter_destroy(vc);
      return NULL;
    }
    vc->transport = vs_http_transport(vc->http);
  } else {
    vc->transport = *transport;
  }
  vs_session_init(&vc->session, &vc->cfg, &vc->transport, &vc->log);
  vs_rest_init(&vc->rest, &vc->cfg, &vc->transport, &vc->log,
               vc->cfg.tag_interval > 0 ? vc->cfg.tag_interval : 300);
  vs_tags_init(&vc->tags);
  vs_events_init(&vc->events);
  vs_alarms_init(&vc->alarms);
  vs_event_counts_init(&vc->event_counts, VS_EVENT_COUNTS_MAX);
  if (vc->cfg.events && event_filter(vc) != 0) {
    vs_vcenter_destroy(vc);
    return NULL;
  }
  vc->query = create_query(vc);
  if (vc->query == NULL) {
    vs_vcenter_destroy(vc);
    return NULL;
  }
  return vc;
}

void vs_vcenter_destroy(vs_vcenter_t *vc) {
  if (vc == NULL)
    return;
  if (vc->query != NULL)
    vs_query_cancel(vc->query);
  if (vc->transport.ctx != NULL) {
    /* The collector is destroyed before the logout while vCenter answers;
     * when it does not, the Logout alone (which ends the collector with
     * the session) gets the time. */
    vs_updates_free(&vc->updates, &vc->session,
                    vc->stats.carried == 0 && !vc->session.unreachable);
    vs_events_free(&vc->events, &vc->session,
                   vc->stats.carried == 0 && !vc->session.unreachable);
    /* The REST session too, unless vCenter is not answering (then the
     * SOAP Logout alone gets the time; the REST session expires). */
    if (vc->session.unreachable)
      vs_rest_forget(&vc->rest);
    vs_rest_destroy(&vc->rest);       /* logs out */
    vs_session_destroy(&vc->session); /* logs out */
  }
  vs_tags_free(&vc->tags);
  vs_event_counts_free(&vc->event_counts);
  vs_alarms_free(&vc->alarms);
  free(vc->event_types);
  vs_query_destroy(vc->query);
  vs_http_destroy(vc->http);
  vs_perfmgr_free(&vc->perf);
  vs_inventory_free(&vc->inventory);
  vs_inventory_free(&vc->building);
  vs_fields_free(&vc->fields);
  vs_config_free(&vc->cfg);
  free(vc);
}

/* ---- counters and options, at login and on catalog drift ---- */

static int load_counters(vs_vcenter_t *vc) {
  int rc = vs_perfmgr_load_counters(&vc->perf, &vc->session, &vc->cfg);
  if (rc == VS_OK)
    vc->perf_login = vc->session.logins;
  return rc;
}

/* Answers named a counter id the catalog lacks (a host added since, a
 * vSAN ESA host): read it again, at most once per InventoryInterval. */
static int reread_catalog(vs_vcenter_t *vc) {
  double now = vs_monotonic_seconds();
  if (vc->catalog_unknown_id < 0 || now < vc->next_catalog_at)
    return VS_OK;
  vs_log_note(&vc->log, "catalog/drift",
              "QueryPerf answers carry counter id %d, which the counter "
              "catalog lacks (a host added since?): reading the catalog "
              "again.",
              vc->catalog_unknown_id);
  vc->catalog_unknown_id = -1;
  vc->next_catalog_at = now + vc->cfg.inventory_interval;
  return load_counters(vc);
}

/* ---- inventory and state values ---- */

static vs_discovery_t discovery(const vs_vcenter_t *vc) {
  vs_discovery_t d = {.states = vc->cfg.collect_properties,
                      .uuid = vs_naming_needs_uuid(&vc->cfg),
                      .shard_k = vc->cfg.shard_k,
                      .shard_n = vc->cfg.shard_n,
                      .optional = {.sensors = vc->cfg.host_sensors,
                                   .snapshot_size = vc->cfg.snapshot_size,
                                   .attributes = vc->cfg.custom_attributes},
                      .datastore_names = vc->cfg.datastore_names};
  for (int k = 0; k < VS_KIND_NUM; k++)
    d.kinds[k] = vc->cfg.collect[k];
  return d;
}

static void log_inventory(const vs_vcenter_t *vc) {
  (void)vc; /* when DEBUG is compiled out */
  DEBUG("vsphere plugin: vCenter \"%s\": inventory has %zu VMs (%zu to "
        "query), %zu hosts (%zu to query), %zu objects in all, %zu names "
        "disambiguated.",
        vc->cfg.name, vc->inventory.per_kind[VS_KIND_VM],
        vc->inventory.active_per_kind[VS_KIND_VM],
        vc->inventory.per_kind[VS_KIND_HOST],
        vc->inventory.active_per_kind[VS_KIND_HOST], vc->inventory.num,
        vc->inventory.duplicates);
}

/* Instances that went away are forgotten after a while. */
static void prune_series(vs_inventory_t *inv) {
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->mark_us >= 0 && o->series.num > 0)
      vs_series_prune(&o->series, o->mark_us - SERIES_RETENTION_US);
  }
}

/* The custom attributes' names, at every full pass; and again when a
 * value named a key not defined then (at most every PropertyInterval). A
 * failure is logged and leaves the names known so far. */
static void read_fields(vs_vcenter_t *vc) {
  if (!vc->cfg.custom_attributes || !vc->cfg.collect_properties)
    return;
  vc->next_fields_at = vs_monotonic_seconds() + vc->cfg.property_interval;
  vs_error_t err;
  if (vs_fields_read(&vc->fields, &vc->session, &err) != VS_OK &&
      err.rc != VS_ERR_NOAUTH)
    vs_log_error(&vc->log, "fields", &err,
                 "reading custom attribute names failed: %s", err.text);
}

static void reread_unknown_fields(vs_vcenter_t *vc) {
  if (vc->fields.unknown > 0 && vs_monotonic_seconds() >= vc->next_fields_at)
    read_fields(vc);
}

/* Whether an object's values may go out now: their first time they are
 * n new series, which MaxNewSeries paces; *sent then becomes true. */
static bool first_send_fits(vs_vcenter_t *vc, const vs_object_t *o, bool *sent,
                            size_t n) {
  if (!*sent && !vs_dispatch_budget(vc->params[o->kind].new_series_left, n))
    return false;
  *sent = true;
  return true;
}

/* The names of the triggered alarms the state values name, before they
 * are sent (in bulk, only those not known; those met again after a full
 * pass, for renamed alarms, the names known kept meanwhile: a cleared
 * alarm's notification still has its name). A failure is logged; the
 * values of alarms without a name wait. */
static void name_alarms(vs_vcenter_t *vc) {
  if (vc->alarm_names_pass != vc->stats.full_passes) {
    vc->alarm_names_pass = vc->stats.full_passes;
    vs_alarms_refresh_names(&vc->alarms);
  }
  if (vs_monotonic_seconds() < vc->next_alarm_names_at)
    return;
  vs_error_t err;
  int rc =
      vs_alarms_read_names(&vc->alarms, &vc->session, &vc->inventory, &err);
  if (rc != VS_OK && rc != VS_ERR_NOAUTH) {
    vc->next_alarm_names_at = vs_monotonic_seconds() + INVENTORY_RETRY;
    vs_log_error(&vc->log, "alarms", &err,
                 "reading the names of triggered alarms failed: %s; their "
                 "series wait.",
                 err.text);
  }
}

static void on_alarm_change(void *ctx, const vs_alarm_change_t *c) {
  vs_vcenter_t *vc = ctx;
  if (c->old_status < 0 && c->status == 0)
    return; /* a green alarm met for the first time: nothing happened */
  const char *name = vs_alarms_name(&vc->alarms, c->alarm);
  vs_dispatch_alarm_notification(c, name != NULL ? name : c->alarm,
                                 vc->cfg.name);
  vc->alarm_notifications++;
}

/* Every read: one notification per change of a triggered alarm. */
static void look_at_alarms(vs_vcenter_t *vc) {
  if (!vc->cfg.collect_properties || !vc->inventory_ready)
    return;
  if (vs_alarms_look(&vc->alarms, &vc->inventory, on_alarm_change, vc) != 0)
    vs_log_error_key(&vc->log, "alarms/look",
                     "following triggered alarms failed: out of memory.");
}

/* vCenter may change a triggered alarm's status without telling the
 * update stream (API 5.0 on): the objects with triggered alarms are read
 * again at the next read, every PropertyInterval. */
static void reread_alarmed(vs_vcenter_t *vc) {
  for (size_t i = 0; i < vc->inventory.num; i++) {
    const vs_object_t *o = &vc->inventory.objects[i];
    bool alarmed = false;
    for (uint16_t j = 0; o->selected && j < o->states_num && !alarmed; j++)
      alarmed = vs_state_is_alarm(o->states[j].type);
    if (alarmed)
      vs_updates_reread(&vc->updates, vs_kind_info((vs_kind_t)o->kind)->mo_type,
                        o->moref);
  }
}

/* State values of the selected objects: every object's (`all`), or only
 * those whose first values MaxNewSeries held back, which so come at the
 * next read rather than at the next PropertyInterval. */
static void send_states(vs_vcenter_t *vc, bool all) {
  if (all)
    vc->next_states_at = vs_monotonic_seconds() + vc->cfg.property_interval;
  if (!vc->cfg.collect_properties)
    return;
  /* A discovery comes every InventoryInterval at least, a state pass
   * every PropertyInterval: the values arrive at the shorter of both. */
  double interval = fmin(vc->cfg.property_interval, vc->cfg.inventory_interval);
  name_alarms(vc);
  size_t n = 0, held = 0;
  for (size_t i = 0; i < vc->inventory.num; i++) {
    vs_object_t *o = &vc->inventory.objects[i];
    if (!o->selected || o->states_num == 0 || (!all && o->states_sent))
      continue;
    if (!first_send_fits(vc, o, &o->states_sent, o->states_num)) {
      held++;
      continue;
    }
    n += vs_dispatch_states(o, fmax(interval, vc->read_interval), &vc->fields,
                            &vc->alarms);
  }
  vc->states_held = held;
  vc->stats.state_values += n;
}

/* The vSphere tags of the selected objects as info series: every
 * object's (`all`: every PropertyInterval and after a tag refresh), or
 * only those whose first tags MaxNewSeries held back. A tag detached is
 * no longer sent: collectd's cache lets its series go. */
static void send_tags(vs_vcenter_t *vc, bool all) {
  if (vc->cfg.tag_interval <= 0 || !vc->tags.have)
    return;
  double interval = fmax(fmin(vc->cfg.property_interval, vc->cfg.tag_interval),
                         vc->read_interval);
  size_t n = 0, held = 0;
  for (size_t i = 0; i < vc->inventory.num; i++) {
    vs_object_t *o = &vc->inventory.objects[i];
    const vs_tag_t *tags;
    size_t k = o->selected && o->kind >= 0
                   ? vs_tags_of(&vc->tags, o->moref, &tags)
                   : 0;
    if (k == 0 || (!all && o->tags_sent))
      continue;
    if (!first_send_fits(vc, o, &o->tags_sent, k)) {
      held++;
      continue;
    }
    n += vs_dispatch_tags(o, tags, k, interval);
  }
  vc->tags_held = held;
  vc->stats.state_values += n;
}

/* The state values and tags of every selected object. */
static void dispatch_states(vs_vcenter_t *vc) {
  send_states(vc, true);
  send_tags(vc, true);
}

/* Some ESXi builds answer a timed-out session with an empty result
 * instead of a fault: an inventory that suddenly empties is re-checked
 * once with a fresh session, the old one logged out in case the guess
 * was wrong. */
static bool suddenly_empty(vs_vcenter_t *vc, const vs_inventory_t *fresh) {
  if (fresh->num > 0 || vc->inventory.num == 0 || vc->empty_recheck_done)
    return false;
  vc->empty_recheck_done = true;
  vs_session_lost(&vc->session, true);
  return true;
}

/* The discovered objects get their names, filters and shard, and take
 * over what collection learnt about them. */
static int finish_inventory(vs_vcenter_t *vc, vs_inventory_t *fresh,
                            vs_error_t *err) {
  /* Naming sees every object, whatever the shard: all instances then
   * disambiguate clashes alike. */
  if (vs_inventory_finish(fresh, &vc->inventory) != 0 ||
      vs_naming_apply_fields(fresh, &vc->cfg, &vc->fields, &vc->tags) != 0)
    return (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  vs_filter_apply(fresh, &vc->cfg);
  return VS_OK;
}

/* The new inventory replaces the old; requests in flight carry on, their
 * batches moved to it. */
static int install_inventory(vs_vcenter_t *vc, vs_inventory_t *fresh) {
  vs_inventory_t old = vc->inventory;
  vc->inventory = *fresh;
  int rc = vs_query_inventory_changed(vc->query, &old);
  vs_inventory_free(&old);
  return rc == 0 ? VS_OK : VS_ERR_NOMEM;
}

static bool stream_wanted(const vs_vcenter_t *vc) {
  return vc->cfg.update_stream && !vc->stream_off;
}

/* A full update through the stream, or the rest of one begun in an
 * earlier read; a server without the stream (its creation answered with
 * a fault, not a lost session or connection) gets full passes for this
 * session. *complete: `fresh` holds every object. */
static int full_update(vs_vcenter_t *vc, const vs_discovery_t *what,
                       vs_inventory_t *fresh, double deadline, bool *complete,
                       vs_error_t *err) {
  if (vc->updates.initial && vs_updates_live(&vc->updates, &vc->session))
    return vs_updates_full_more(&vc->updates, &vc->session, what, fresh,
                                deadline, complete, err);
  vs_inventory_free(fresh); /* (a full update abandoned) */
  if (vc->updates.login != 0)
    vs_log_note(&vc->log, "updates/resync",
                "update stream: starting over with a full update (%s).",
                vc->updates.login != vc->session.logins ? "new session"
                                                        : "resync");
  vc->stream_login = vc->session.logins;
  int rc = vs_updates_full(&vc->updates, &vc->session, what, fresh, deadline,
                           complete, err);
  vc->stream_off = false;
  if (!vc->updates.refused)
    return rc; /* complete, or the stream's answer failed */
  vs_log_note(&vc->log, "updates/unavailable",
              "update stream not available (%s): reading the inventory with "
              "full passes every InventoryInterval.",
              err->text);
  vc->stream_off = true; /* (`fresh` is empty: the stream never began) */
  *complete = true;
  return vs_inventory_discover(&vc->session, what, fresh, err);
}

static bool refresh_tags(vs_vcenter_t *vc, bool full_pass);

/* A full pass (or full update): every object and its state values. A full
 * update that does not fit before `deadline` goes on at the next read,
 * the previous inventory kept meanwhile. */
static int refresh_inventory(vs_vcenter_t *vc, double deadline) {
  vs_error_t err;
  vs_discovery_t what = discovery(vc);
  vs_inventory_t *fresh = &vc->building;
  bool complete = true;
  int rc;
  if (vc->cfg.update_stream) {
    rc = full_update(vc, &what, fresh, deadline, &complete, &err);
  } else {
    vs_inventory_free(fresh);
    rc = vs_inventory_discover(&vc->session, &what, fresh, &err);
  }
  if (rc == VS_OK && !complete) {
    vc->next_inventory_at = 0; /* on at the next read */
    return VS_OK;
  }
  if (rc == VS_OK && suddenly_empty(vc, fresh))
    rc = VS_ERR_NOAUTH;
  if (rc == VS_OK) {
    read_fields(vc); /* for naming (attr:) and the attributes' values */
    rc = finish_inventory(vc, fresh, &err);
  }
  if (rc != VS_OK) {
    vs_inventory_free(fresh);
    if (rc != VS_ERR_NOAUTH) {
      vs_log_error(&vc->log, "inventory", &err,
                   "inventory discovery failed: %s%s", err.text,
                   vc->inventory_ready ? " (keeping the previous one)" : "");
      /* Not at every read: again after a while, or the interval if shorter. */
      vc->next_inventory_at = vs_monotonic_seconds() +
                              fmin(vc->cfg.inventory_interval, INVENTORY_RETRY);
    }
    return rc;
  }
  vc->empty_recheck_done = false;
  vc->refreshed_cycle = vc->stats.cycles;
  vc->stats.full_passes++;
  rc = install_inventory(vc, fresh);
  vs_inventory_init(fresh); /* (now the block's inventory) */
  prune_series(&vc->inventory);
  vc->inventory_ready = true;
  vc->next_inventory_at =
      vs_monotonic_seconds() + (vs_updates_live(&vc->updates, &vc->session)
                                    ? vc->cfg.resync_interval
                                    : vc->cfg.inventory_interval);
  log_inventory(vc);
  /* tag:<Category> in a format: the first identities wait for the tags
   * (refresh_tags then sends the state values under them) */
  bool sent =
      vs_config_uses_tags(&vc->cfg) && !vc->tags.have && refresh_tags(vc, true);
  if (!sent)
    dispatch_states(vc); /* the discovery read the state values too */
  return rc;
}

/* The state values of the objects an update brought, at once. */
static void dispatch_changed(vs_vcenter_t *vc, const vs_inventory_t *delta) {
  if (!vc->cfg.collect_properties)
    return;
  double interval = fmin(vc->cfg.property_interval, vc->cfg.inventory_interval);
  name_alarms(vc);
  size_t n = 0;
  for (size_t i = 0; i < delta->num; i++) {
    vs_object_t *o = vs_inventory_find(&vc->inventory, delta->objects[i].moref);
    if (o == NULL || !o->selected || o->states_num == 0)
      continue;
    if (!first_send_fits(vc, o, &o->states_sent, o->states_num)) {
      vc->states_held++; /* at the next read */
      continue;
    }
    n += vs_dispatch_states(o, fmax(interval, vc->read_interval), &vc->fields,
                            &vc->alarms);
  }
  vc->stats.state_values += n;
}

/* Whether a failed update stream must start over: vCenter says it no
 * longer knows the version or the collector, or answers keep failing for
 * another reason than the connection (which a re-read from the same
 * version mends once vCenter is reachable again). */
static bool stream_gone(const vs_error_t *err, int failures) {
  if (vs_fault_actions(err) & VS_ACT_RESYNC)
    return true;
  if (err->rc == VS_ERR_FAULT && err->fault == VS_FAULT_NOT_FOUND)
    return true; /* the collector (or an object it named) is gone */
  return err->rc != VS_ERR_TRANSPORT && failures >= STREAM_MAX_FAILURES;
}

/* What changed since the last read, into the inventory: new objects join
 * it, those that left leave it, changed ones are replaced (identity,
 * hierarchy and state values), all without a full pass. A stream that
 * fails starts over with a full update. */
static int follow_updates(vs_vcenter_t *vc, double deadline) {
  vs_error_t err;
  vs_discovery_t what = discovery(vc);
  vs_inventory_t delta, fresh;
  vs_inventory_init(&delta);
  vs_inventory_init(&fresh);
  const vs_index_t *left = NULL;
  bool changed = false;
  int rc = vs_updates_follow(&vc->updates, &vc->session, &what, deadline,
                             &delta, &left, &changed, &err);
  if (rc == VS_OK && changed) {
    if (vs_inventory_merge(&fresh, &vc->inventory, &delta, left) != 0)
      rc = (vs_error_set(&err, VS_ERR_NOMEM, "out of memory"), err.rc);
    if (rc == VS_OK)
      rc = finish_inventory(vc, &fresh, &err);
    if (rc == VS_OK) {
      rc = install_inventory(vc, &fresh);
      vs_inventory_init(&fresh);
      dispatch_changed(vc, &delta);
    }
  }
  vs_inventory_free(&fresh);
  vs_inventory_free(&delta);
  if (rc == VS_OK || rc == VS_ERR_NOAUTH) {
    vc->stream_failures = 0;
    return rc;
  }
  /* Logged as the inventory's: one line for a fault that fails the
   * stream and the full update alike. */
  bool gone = stream_gone(&err, ++vc->stream_failures);
  vs_log_error(&vc->log, "inventory", &err, "update stream failed: %s; %s.",
               err.text,
               gone ? "starting over with a full update"
                    : "asking again from the same version at the next read");
  if (gone) {
    /* (said even when the error line was a repeat) */
    vs_log_note(&vc->log, "updates/resync",
                "update stream: starting over with a full update (after "
                "errors).");
    vs_updates_reset(&vc->updates, &vc->session);
    vc->stream_failures = 0;
    vc->next_inventory_at = vs_monotonic_seconds(); /* in this read */
  }
  return rc;
}

/* State values between two discoveries, every PropertyInterval. */
static int read_states(vs_vcenter_t *vc) {
  vs_error_t err;
  vs_discovery_t what = discovery(vc);
  size_t updated = 0;
  int rc = vs_inventory_read_states(&vc->session, &what, &vc->inventory,
                                    &updated, &err);
  if (rc != VS_OK) {
    if (rc != VS_ERR_NOAUTH) {
      vs_log_error(&vc->log, "properties", &err,
                   "reading the state properties failed: %s", err.text);
      vc->next_states_at = vs_monotonic_seconds() +
                           fmin(vc->cfg.property_interval, INVENTORY_RETRY);
    }
    return rc;
  }
  dispatch_states(vc);
  return VS_OK;
}

/* ---- one read ---- */

/* What the queries reported, into the block's state. */
static void take_query_result(vs_vcenter_t *vc, const vs_query_result_t *r,
                              size_t *values, size_t *entities) {
  *values += r->values;
  *entities += r->entities;
  vc->stats.query_errors += r->failed;
  vc->stats.carried = r->carried;
  vc->stats.unknown_values += r->unknown_values;
  if (r->unknown_counter_id >= 0 && vc->catalog_unknown_id < 0)
    vc->catalog_unknown_id = r->unknown_counter_id;
  /* (With the update stream, what a fault says is out of date comes with
   * the next update set: no full pass for it.) */
  if (r->refresh_at < vc->next_inventory_at &&
      !vs_updates_live(&vc->updates, &vc->session))
    vc->next_inventory_at = r->refresh_at;
}

/* After the samples: a discovery if due; a state pass if due and no
 * discovery read them; then the catalog if answers showed it stale. None
 * waits for requests carried over to the next read. */
static int after_queries(vs_vcenter_t *vc, double deadline) {
  int rc = VS_OK;
  bool refreshed = false;
  /* a new session: its stream starts with a full update (a failed one is
   * tried again when refresh_inventory said) */
  if (stream_wanted(vc) && !vs_updates_live(&vc->updates, &vc->session) &&
      vc->stream_login != vc->session.logins)
    vc->next_inventory_at = 0;
  double now = vs_monotonic_seconds();
  if (now >= vc->next_inventory_at) {
    rc = refresh_inventory(vc, deadline);
    refreshed = rc == VS_OK && vc->refreshed_cycle == vc->stats.cycles;
  }
  if (rc == VS_ERR_NOAUTH)
    return rc;
  if (!refreshed && vs_updates_live(&vc->updates, &vc->session)) {
    /* The stream keeps the values current: re-dispatched from the copy. */
    if (now >= vc->next_states_at) {
      dispatch_states(vc);
      reread_alarmed(vc);
    }
  } else if (!refreshed && vc->cfg.collect_properties &&
             now >= vc->next_states_at) {
    /* While discovery fails, state values still come from state passes. */
    int states_rc = read_states(vc);
    if (states_rc == VS_ERR_NOAUTH)
      return states_rc;
    if (rc == VS_OK)
      rc = states_rc;
  }
  if (vc->states_held > 0)
    send_states(vc, false); /* first values held back by MaxNewSeries */
  if (vc->tags_held > 0)
    send_tags(vc, false);
  reread_unknown_fields(vc);
  int catalog_rc = reread_catalog(vc);
  return rc != VS_OK ? rc : catalog_rc;
}

/* ---- vSphere tags ---- */

/* One line when what the tags say changes (first read included). */
static void log_tags(vs_vcenter_t *vc) {
  size_t objects = vs_tags_objects(&vc->tags);
  size_t pairs = vs_tags_pairs(&vc->tags);
  if (vc->tags.refreshes > 1 && objects == vc->tags_logged_objects &&
      pairs == vc->tags_logged_pairs)
    return;
  vc->tags_logged_objects = objects;
  vc->tags_logged_pairs = pairs;
  INFO("vsphere plugin: vCenter \"%s\": vSphere tags: %zu tag(s) on %zu "
       "object(s), %zu categories, %zu tags (%llu REST requests).",
       vc->cfg.name, pairs, objects, vc->tags.cur.categories_num,
       vc->tags.cur.tags_num, (unsigned long long)vc->tags.requests);
}

/* The selected objects' morefs and managed object types (NULL when out
 * of memory), and a fingerprint of the set. */
static size_t tag_objects(const vs_inventory_t *inv, const char ***morefs,
                          const char ***types, uint64_t *fingerprint) {
  *morefs = calloc(inv->num + 1, sizeof(**morefs));
  *types = calloc(inv->num + 1, sizeof(**types));
  size_t n = 0;
  *fingerprint = 0;
  for (size_t i = 0; *morefs != NULL && *types != NULL && i < inv->num; i++) {
    const vs_object_t *o = &inv->objects[i];
    if (!o->selected || o->kind < 0)
      continue;
    *fingerprint ^= vs_hash64(o->moref, 0);
    (*morefs)[n] = o->moref;
    (*types)[n++] = vs_kind_info((vs_kind_t)o->kind)->mo_type;
  }
  *fingerprint += n;
  return n;
}

/* tag:<Category> in a format: every identity again with the tags just
 * read, as after an update that changed nothing else (the inventory
 * copied, named, installed). */
static bool rename_by_tags(vs_vcenter_t *vc) {
  vs_inventory_t fresh, none;
  vs_inventory_init(&fresh);
  vs_inventory_init(&none);
  vs_error_t err;
  int rc = vs_inventory_merge(&fresh, &vc->inventory, &none, NULL) == 0
               ? finish_inventory(vc, &fresh, &err)
               : (vs_error_set(&err, VS_ERR_NOMEM, "out of memory"), err.rc);
  if (rc == VS_OK) {
    rc = install_inventory(vc, &fresh);
    vs_inventory_init(&fresh); /* (now the block's inventory) */
  }
  vs_inventory_free(&fresh);
  vs_inventory_free(&none);
  if (rc != VS_OK)
    vs_log_error_key(&vc->log, "tags/naming",
                     "naming by vSphere tags failed: out of memory.");
  return rc == VS_OK;
}

/* Every TagInterval, and after a full pass that changed the set of
 * objects: the tags of the selected objects, in bulk. A failure keeps the
 * previous tags and is logged once per episode; a refused REST API was
 * logged by vs_rest. True when it sent every state value and tag (under
 * identities renamed by a tag:<Category> field). */
static bool refresh_tags(vs_vcenter_t *vc, bool full_pass) {
  if (vc->cfg.tag_interval <= 0 || !vc->inventory_ready ||
      vc->transport.rest == NULL || vs_rest_refused(&vc->rest))
    return false;
  bool due = vs_tags_due(&vc->tags, vc->cfg.tag_interval);
  if (!due && !full_pass)
    return false;
  const char **morefs, **types;
  uint64_t fingerprint;
  size_t n = tag_objects(&vc->inventory, &morefs, &types, &fingerprint);
  /* after a full pass only if the objects changed */
  bool wanted = due || fingerprint != vc->tags_fingerprint;
  vs_error_t err;
  vs_error_clear(&err);
  int rc = VS_OK;
  if (morefs == NULL || types == NULL)
    rc = (vs_error_set(&err, VS_ERR_NOMEM, "out of memory"), err.rc);
  else if (wanted)
    rc = vs_tags_refresh(&vc->tags, &vc->rest, morefs, types, n, &err);
  free(morefs);
  free(types);
  if (rc == VS_OK && wanted) {
    vc->tags_fingerprint = fingerprint;
    log_tags(vc);
    if (vs_config_uses_tags(&vc->cfg) && rename_by_tags(vc)) {
      dispatch_states(vc); /* under the identities the tags gave */
      return true;
    }
    send_tags(vc, true); /* at once: attached and detached tags show now */
  } else if (rc != VS_OK && rc != VS_ERR_CONFIG /* logged */ &&
             !vs_rest_refused(&vc->rest)) {
    vs_log_error(&vc->log, "tags", &err,
                 "reading vSphere tags failed: %s; the previous tags are "
                 "kept, tried again in %.0f s.",
                 err.text, vc->cfg.tag_interval);
  }
  return false;
}

/* ---- vCenter's events ---- */

/* The object an event is about: the most specific of its entities that
 * the inventory holds and whose kind is collected (a VM created since the
 * last update is not there yet: its host is; with Collect "vm" a host's
 * events go to the vCenter). *mine: this instance counts it (the object
 * is selected here, not left out by a filter or another shard; an event
 * about no such object, in shard 1). NULL: the vCenter itself. */
static const vs_object_t *event_object(const vs_vcenter_t *vc,
                                       const vs_event_t *ev, bool *mine) {
  for (int a = 0; a < VS_EVENT_ARG_NUM; a++) {
    const vs_object_t *o =
        ev->entities[a].moref[0] != 0
            ? vs_inventory_find(&vc->inventory, ev->entities[a].moref)
            : NULL;
    if (o != NULL && o->kind >= 0 && vc->cfg.collect[o->kind]) {
      *mine = o->selected;
      return o;
    }
  }
  *mine = vc->cfg.shard_k == 1;
  return NULL;
}

/* The entity an event names first (for a notification's meta data). */
static const vs_event_entity_t *event_entity(const vs_event_t *ev) {
  for (int a = 0; a < VS_EVENT_ARG_NUM; a++)
    if (ev->entities[a].moref[0] != 0)
      return &ev->entities[a];
  return NULL;
}

static void on_event(void *ctx, const vs_event_t *ev) {
  vs_vcenter_t *vc = ctx;
  bool mine;
  const vs_object_t *o = event_object(vc, ev, &mine);
  if (!mine)
    return;
  if (vs_event_counted(&vc->cfg, ev->type))
    vs_event_counts_add(&vc->event_counts, o != NULL ? o->moref : "", ev->type);
  int severity = vs_event_severity(&vc->cfg, ev->type);
  if (severity != 0) {
    vs_dispatch_event_notification(o, vc->cfg.name, ev, event_entity(ev),
                                   severity);
    vc->event_notifications++;
  }
}

static bool counts_keep(void *ctx, const char *moref) {
  return moref[0] == 0 || vs_inventory_find(ctx, moref) != NULL;
}

/* Every count of an object collected here, every read (a counter that
 * stops being sent would expire in collectd's cache). */
static void send_event_counts(vs_vcenter_t *vc) {
  double interval = vc->read_interval;
  for (size_t i = 0; i < vc->event_counts.num; i++) {
    const vs_event_count_t *c = &vc->event_counts.items[i];
    const vs_object_t *o =
        c->moref[0] != 0 ? vs_inventory_find(&vc->inventory, c->moref) : NULL;
    if (c->moref[0] != 0 && (o == NULL || !o->selected))
      continue;
    vs_dispatch_event_count(o, vc->cfg.name, c->type, c->count, interval);
  }
}

/* The events since the last read, in what is left of it; the counts of
 * objects that left the inventory are dropped after a full pass. */
static int read_events(vs_vcenter_t *vc, double deadline) {
  if (!vc->cfg.events || !vc->inventory_ready)
    return VS_OK;
  if (vc->events_pruned_pass != vc->stats.full_passes) {
    vc->events_pruned_pass = vc->stats.full_passes;
    (void)vs_event_counts_retain(&vc->event_counts, counts_keep,
                                 &vc->inventory);
  }
  vs_error_t err;
  uint64_t resets = vc->events.keys_reset, refused = vc->event_counts.refused;
  int rc = vs_events_read(&vc->events, &vc->session, vc->event_types,
                          vc->event_types_num, deadline, on_event, vc, &err);
  if (vc->events.keys_reset != resets)
    vs_log_note(&vc->log, "events/keys",
                "vCenter's event keys went back (a restored or rebuilt "
                "vCenter?): reading on from its new events.");
  if (vc->event_counts.refused != refused)
    vs_log_error_key(&vc->log, "events/bound",
                     "more than %d (object, event type) pairs: events of new "
                     "pairs are not counted (self_events_uncounted); narrow "
                     "the counted types with IgnoreEvent or DefaultEvents.",
                     VS_EVENT_COUNTS_MAX);
  if (rc != VS_OK && rc != VS_ERR_NOAUTH)
    vs_log_error(&vc->log, "events", &err,
                 "reading vCenter's events failed: %s; the events are read "
                 "from the last one seen at the next read.",
                 err.text);
  send_event_counts(vc);
  return rc;
}

static int collect(vs_vcenter_t *vc, double deadline, size_t *values,
                   size_t *entities) {
  int rc, stream_rc = VS_OK;
  if (vc->perf_login != vc->session.logins && (rc = load_counters(vc)) != VS_OK)
    return rc;
  if (vc->options_login != vc->session.logins) {
    vs_perfmgr_load_options(&vc->perf, &vc->session);
    vc->options_login = vc->session.logins;
  }
  /* The first inventory comes before anything can be queried; later
   * refreshes come after this interval's samples are out, so that a slow
   * discovery on a large vCenter never delays them. */
  if (!vc->inventory_ready) {
    if ((rc = refresh_inventory(vc, deadline)) != VS_OK)
      return rc;
    if (!vc->inventory_ready)
      return VS_OK; /* the full update goes on at the next read */
  }
  /* What changed since the last read, before the queries: a new VM is
   * queried in this read, one powered off or gone is not. A short share
   * of the read at most; the rest of a burst waits for the next. */
  if (stream_wanted(vc) && vc->refreshed_cycle != vc->stats.cycles &&
      vs_updates_live(&vc->updates, &vc->session) && !vc->updates.initial) {
    double now = vs_monotonic_seconds();
    stream_rc = follow_updates(vc, now + UPDATES_SHARE * (deadline - now));
    if (stream_rc == VS_ERR_NOAUTH)
      return stream_rc;
  }
  vs_query_result_t r;
  rc = vs_query_run(vc->query, deadline,
                    vs_session_vcenter_now_us(&vc->session), &r);
  take_query_result(vc, &r, values, entities);
  if (rc == VS_ERR_NOAUTH) {
    vs_session_lost(&vc->session, r.suspect);
    return rc;
  }
  /* (A fault during the queries may have brought the refresh forward.) A
   * failed refresh keeps the previous inventory but is reported. */
  uint64_t passes = vc->stats.full_passes;
  int after_rc = after_queries(vc, deadline);
  if (after_rc == VS_ERR_NOAUTH)
    return after_rc;
  refresh_tags(vc, vc->stats.full_passes != passes);
  look_at_alarms(vc);
  if (read_events(vc, deadline) == VS_ERR_NOAUTH)
    return VS_ERR_NOAUTH;
  return rc != VS_OK ? rc : after_rc != VS_OK ? after_rc : stream_rc;
}

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Self-monitoring: what a read cost and what it brought. Totals are
 * counters (DERIVE: write_prometheus names them *_total). */
static void dispatch_self(vs_vcenter_t *vc, double wall, double cpu) {
  const vs_transport_stats_t *t = vc->transport.stats(vc->transport.ctx);
  size_t series, bytes;
  vs_inventory_tracking(&vc->inventory, &series, &bytes);
  vs_self_metric_t m[] = {
      {"self_read_cycles", (double)vc->stats.cycles, NULL},
      {"self_read_seconds", wall, NULL},
      {"self_read_cpu_seconds", cpu, NULL},
      {"self_values", (double)vc->stats.last_values, NULL},
      {"self_entities_answered", (double)vc->stats.last_entities, NULL},
      {"self_requests", (double)t->requests, NULL},
      {"self_bytes_received", (double)t->bytes_received, NULL},
      {"self_logins", (double)vc->session.logins, NULL},
      {"self_login_refusals", (double)vc->session.login_refusals, NULL},
      {"self_inventory_vms", (double)vc->inventory.per_kind[VS_KIND_VM], NULL},
      {"self_inventory_hosts", (double)vc->inventory.per_kind[VS_KIND_HOST],
       NULL},
      {"self_inventory_duplicates", (double)vc->inventory.duplicates, NULL},
      {"self_state_values", (double)vc->stats.state_values, NULL},
      {"self_series", (double)series, NULL},
      {"self_tracking_bytes", (double)bytes, NULL},
      {"self_query_errors", (double)vc->stats.query_errors, NULL},
      {"self_requests_carried", (double)vc->stats.carried, NULL},
      {"self_errors", (double)vc->stats.errors, NULL},
      {"self_late_samples", (double)vc->stats.late_samples, NULL},
      {"self_uncatalogued_values", (double)vc->stats.unknown_values, NULL},
      {"self_counters_above_level", (double)vc->perf.counters_above_level,
       NULL},
      {"self_inventory_full_passes", (double)vc->stats.full_passes, NULL},
      {"self_update_objects", (double)vc->updates.object_updates, NULL},
      {"self_update_rereads", (double)vc->updates.rereads, NULL},
      {"self_updates_pending", vc->updates.pending ? 1.0 : 0.0, NULL},
      {"self_events", (double)vc->events.events, NULL},
      {"self_event_notifications", (double)vc->event_notifications, NULL},
      {"self_events_uncounted", (double)vc->event_counts.refused, NULL},
      {"self_events_pending", vc->events.pending ? 1.0 : 0.0, NULL},
      {"self_alarm_notifications", (double)vc->alarm_notifications, NULL},
  };
  double interval = fmax(vc->read_interval, wall);
  vs_dispatch_self(vc->cfg.name, m, sizeof(m) / sizeof(m[0]), interval);
  /* Objects selected per kind ("self_inventory_objects", instance: kind) */
  vs_self_metric_t per_kind[VS_KIND_NUM];
  for (int k = 0; k < VS_KIND_NUM; k++)
    per_kind[k] = (vs_self_metric_t){"self_inventory_objects",
                                     (double)vc->inventory.per_kind[k],
                                     vs_kind_info((vs_kind_t)k)->name};
  vs_dispatch_self(vc->cfg.name, per_kind, VS_KIND_NUM, interval);
}

/* This read's interval, and what follows from it for each kind. */
static void set_read_params(vs_vcenter_t *vc, double interval) {
  vc->read_interval = vc->cfg.interval > 0 ? vc->cfg.interval : interval;
  vc->new_series_left = (size_t)vc->cfg.max_new_series;
  /* A sample from the far future would make every later one look old:
   * what is more than an hour ahead of vCenter's clock is refused. */
  int64_t latest_us =
      vs_session_vcenter_now_us(&vc->session) + INT64_C(3600) * 1000000;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    const vs_kind_info_t *info = vs_kind_info((vs_kind_t)k);
    int step = info->step_s;
    double lookback =
        info->historical ? vc->cfg.historical_lookback : vc->cfg.lookback;
    int slots = (int)ceil(lookback / step);
    vc->params[k] = (vs_dispatch_params_t){
        /* The cadence at which a series really arrives: collectd's cache
         * (Timeout x interval) must not expire it between two reads. */
        .interval_s = fmax(vc->read_interval, step),
        .policy =
            {
                .step_us = (int64_t)step * 1000000,
                .lookback_slots = slots < VS_SERIES_MAX_LOOKBACK_SLOTS
                                      ? slots
                                      : VS_SERIES_MAX_LOOKBACK_SLOTS,
                .late = info->historical,
                .fill_holes = vc->cfg.fill_holes,
            },
        .new_series_left =
            vc->cfg.max_new_series > 0 ? &vc->new_series_left : NULL,
        .late_samples = &vc->stats.late_samples,
        .latest_us = latest_us,
        .datastores = vc->cfg.datastore_names ? &vc->inventory : NULL,
    };
  }
}

/* A lost session (expired, vCenter restarted) gets one new login and one
 * retry; samples dispatched before the loss are not sent again. */
static int read_with_relogin(vs_vcenter_t *vc, double deadline, size_t *values,
                             size_t *entities) {
  int rc = VS_OK;
  for (int attempt = 0; attempt < 2; attempt++) {
    rc = vs_session_ensure(&vc->session);
    if (rc != VS_OK)
      return rc;
    rc = collect(vc, deadline, values, entities);
    if (rc != VS_ERR_NOAUTH)
      return rc;
    vs_query_cancel(vc->query); /* in flight for the lost session */
    vs_log_note(&vc->log, "session/relogin",
                "session no longer valid; logging in again.");
  }
  vs_error_t e;
  vs_error_clear(&e);
  vs_error_set(&e, rc, "session refused");
  vs_log_error(&vc->log, "session", &e,
               "vCenter refused the new session too; retrying next "
               "interval.");
  return rc;
}

int vs_vcenter_read(vs_vcenter_t *vc, double interval) {
  double wall_start = vs_monotonic_seconds();
  double cpu_start = thread_cpu_seconds();
  size_t values = 0, entities = 0;
  vc->stats.cycles++;
  vs_log_read_begin(&vc->log);
  vs_query_read_begin(vc->query);
  set_read_params(vc, interval);
  double deadline =
      wall_start + fmax(READ_BUDGET_SHARE * vc->read_interval, READ_MIN_BUDGET);
  int rc = read_with_relogin(vc, deadline, &values, &entities);
  vc->stats.last_values = values;
  vc->stats.last_entities = entities;
  vs_log_read_end(&vc->log, vc->stats.carried > 0);
  if (rc != VS_OK)
    vc->stats.errors++;
  dispatch_self(vc, vs_monotonic_seconds() - wall_start,
                thread_cpu_seconds() - cpu_start);
  return 0;
}
