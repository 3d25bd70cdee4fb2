// SPDX-License-Identifier: MIT

// /vcsim-control: a plain HTTP endpoint on vcsim's own listener through
// which a test changes what the simulated vCenter does. GET or POST,
// parameters in the query string or a form body; answers 200 text/plain
// with a one-line result (stats: "key value" lines), 400 with the reason.
//
//	cmd=host-state    name=HOST state=connected|disconnected|notResponding
//	cmd=slow          name=HOST seconds=S      (S=0 clears; S <= 600)
//	cmd=lag           type=ENTITY_TYPE seconds=S   (S=0 clears)
//	cmd=entity-fault  name=ENTITY fault=TYPE [message=TEXT]  (fault= clears)
//	cmd=extra-counter type=ENTITY_TYPE id=N    (N=0 clears)
//	cmd=counter-add   group=G name=N rollup=R unit=U level=L statsType=S
//	                  [key=K]; answers "ok KEY"
//	cmd=stats-level   level=N   (1..4: the 300 s interval's level)
//	cmd=clock-offset  seconds=S (signed; vCenter's clock = ours + S)
//	cmd=stream-drop   every property collector made by CreatePropertyCollector
//	                  is lost (as when vpxd restarts it): its calls fault
//	                  with ManagedObjectNotFound
//	cmd=rest-login-status status=N   every REST login answers N (404, 403,
//	                  ...; 0: logins work again)
//	cmd=rest-kill     end every live REST session; answers "ok killed N"
//	cmd=event-post    type=EventType|EventEx|ExtendedEvent|EVENT_TYPE_ID
//	                  [name=ENTITY] [message=TEXT] [user=USER]
//	                  [event_type_id=ID] [severity=info|warning|error|user]
//	                  posts one event (events.go); answers "ok KEY"
//	cmd=event-burst   the same and count=N: N events; answers "ok FIRST LAST"
//	cmd=events        [since=K] the kept events with key > K, one per line:
//	                  "KEY TYPE ENTITY CREATEDTIME" (TYPE: eventTypeId of an
//	                  EventEx/ExtendedEvent, else the type name; ENTITY: the
//	                  moref value of the vm, host, ds, computeResource or
//	                  datacenter argument, the first present, or "-";
//	                  CREATEDTIME: RFC 3339, UTC, nanoseconds)
//	cmd=alarm-define  name=NAME  an Alarm object (alarms.go; idempotent per
//	                  name); answers "ok MOREF"
//	cmd=alarm-set     entity=ENTITY alarm=ALARM status=green|yellow|red|none
//	                  [ack=true|false] [user=USER]  the alarm's AlarmState in
//	                  the entity's triggeredAlarmState and its containers'
//	                  (none removes it), through the property collectors;
//	                  answers "ok"
//	cmd=alarm-delete  alarm=ALARM  removes the Alarm object (its states stay
//	                  until set to none); answers "ok MOREF"
//	cmd=clear         forget every slow, lag, entity-fault and extra-counter
//	                  setting (the catalog, level and clock stay)
//	cmd=stats         counters (queryperf_calls, not_found_faults, host_faults,
//	                  slow_calls, slow_aborted, lagged_specs, empty_specs,
//	                  historical_queries, historical_max_metrics_seen,
//	                  max_query_metrics_faults, historical_specs,
//	                  historical_samples, level_dropped_metrics,
//	                  unknown_historical_metrics, entity_faults,
//	                  extra_series, counters_added, props_paged,
//	                  props_continue_calls, props_cancel_calls,
//	                  props_token_faults, props_tokens_pending,
//	                  wait_for_updates_calls, update_collectors_live,
//	                  update_filters_live, update_collectors_created,
//	                  update_collectors_destroyed, update_collectors_dropped,
//	                  retrieve_properties_calls,
//	                  current_time_shifted, the event counters of
//	                  events.go: event_collectors_live,
//	                  event_collectors_made, event_collectors_destroyed,
//	                  event_collectors_session_ended, events_total,
//	                  events_kept, events_last_key, read_next_events_calls,
//	                  the alarm counters of alarms.go: alarms_defined,
//	                  alarm_states, alarm_name_reads,
//	                  and the REST counters of
//	                  rest.go: rest_sessions_live, ...), the settings (stats_level,
//	                  clock_offset_ms), then the slow/lag/entity_fault/
//	                  extra_counter settings (three fields each)
//
// HOST is a host name (error if ambiguous) or a moref value (host-N);
// ENTITY is a name (error if ambiguous), a moref value or TYPE:moref.
package main

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

const controlPath = "/vcsim-control"

type badRequest string

func (e badRequest) Error() string { return string(e) }

func findHost(name string) (*simulator.HostSystem, error) {
	if name == "" {
		return nil, badRequest("missing name=HOST")
	}
	if h, ok := simulator.Map.Get(types.ManagedObjectReference{Type: "HostSystem", Value: name}).(*simulator.HostSystem); ok {
		return h, nil
	}
	var found []*simulator.HostSystem
	for _, e := range simulator.Map.All("HostSystem") {
		h, ok := e.(*simulator.HostSystem)
		if !ok {
			continue
		}
		var n string
		simulator.Map.WithLock(h, func() { n = h.Name })
		if n == name {
			found = append(found, h)
		}
	}
	switch len(found) {
	case 0:
		return nil, badRequest(fmt.Sprintf("no host named %q", name))
	case 1:
		return found[0], nil
	}
	return nil, badRequest(fmt.Sprintf("%d hosts named %q, use the moref", len(found), name))
}

func seconds(r *http.Request) (time.Duration, error) {
	s := r.FormValue("seconds")
	if s == "" {
		return 0, badRequest("missing seconds=S")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 366*24*3600 {
		return 0, badRequest(fmt.Sprintf("bad seconds=%q", s))
	}
	return time.Duration(f * float64(time.Second)), nil
}

func hostState(r *http.Request) (string, error) {
	h, err := findHost(r.FormValue("name"))
	if err != nil {
		return "", err
	}
	var hs types.HostSystemConnectionState
	vs := types.VirtualMachineConnectionStateConnected
	switch st := r.FormValue("state"); st {
	case "connected":
		hs = types.HostSystemConnectionStateConnected
	case "disconnected":
		hs = types.HostSystemConnectionStateDisconnected
		vs = types.VirtualMachineConnectionStateDisconnected
	case "notResponding":
		hs = types.HostSystemConnectionStateNotResponding
		vs = types.VirtualMachineConnectionStateDisconnected
	default:
		return "", badRequest(fmt.Sprintf("bad state=%q (connected|disconnected|notResponding)", st))
	}
	var name string
	simulator.Map.WithLock(h, func() {
		name = h.Name
		// summary.runtime points at runtime for hosts
		simulator.Map.Update(h, []types.PropertyChange{{Name: "runtime.connectionState", Val: hs}})
	})
	n := 0
	for _, e := range simulator.Map.All("VirtualMachine") {
		vm, ok := e.(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		simulator.Map.WithLock(vm, func() {
			if vm.Runtime.Host == nil || *vm.Runtime.Host != h.Self {
				return
			}
			n++
			simulator.Map.Update(vm, []types.PropertyChange{
				{Name: "runtime.connectionState", Val: vs},
				{Name: "summary.runtime.connectionState", Val: vs},
			})
		})
	}
	return fmt.Sprintf("ok %s %s %s vms=%d", h.Self.Value, name, hs, n), nil
}

func slowHost(r *http.Request) (string, error) {
	h, err := findHost(r.FormValue("name"))
	if err != nil {
		return "", err
	}
	d, err := seconds(r)
	if err != nil {
		return "", err
	}
	if d > maxSlow {
		return "", badRequest(fmt.Sprintf("seconds > %v", maxSlow.Seconds()))
	}
	ctl.mu.Lock()
	if d == 0 {
		delete(ctl.slow, h.Self)
	} else {
		ctl.slow[h.Self] = d
	}
	ctl.mu.Unlock()
	return fmt.Sprintf("ok %s slow %gs", h.Self.Value, d.Seconds()), nil
}

var lagTypes = map[string]bool{
	"VirtualMachine": true, "HostSystem": true, "ResourcePool": true, "ClusterComputeResource": true,
	"ComputeResource": true, "Datastore": true, "Datacenter": true, "VirtualApp": true,
}

func lag(r *http.Request) (string, error) {
	kind := r.FormValue("type")
	if !lagTypes[kind] {
		return "", badRequest(fmt.Sprintf("bad type=%q", kind))
	}
	d, err := seconds(r)
	if err != nil {
		return "", err
	}
	ctl.mu.Lock()
	if d == 0 {
		delete(ctl.lag, kind)
	} else {
		ctl.lag[kind] = d
	}
	ctl.mu.Unlock()
	return fmt.Sprintf("ok lag %s %gs", kind, d.Seconds()), nil
}

func extraCounter(r *http.Request) (string, error) {
	kind := r.FormValue("type")
	if !lagTypes[kind] {
		return "", badRequest(fmt.Sprintf("bad type=%q", kind))
	}
	id, err := strconv.ParseInt(r.FormValue("id"), 10, 32)
	if err != nil || id < 0 {
		return "", badRequest(fmt.Sprintf("bad id=%q", r.FormValue("id")))
	}
	ctl.mu.Lock()
	if id == 0 {
		delete(ctl.extra, kind)
	} else {
		ctl.extra[kind] = int32(id)
	}
	ctl.mu.Unlock()
	return fmt.Sprintf("ok extra-counter %s %d", kind, id), nil
}

func counterAdd(r *http.Request) (string, error) {
	c, err := newCounter(r)
	if err != nil {
		return "", err
	}
	key, err := perfMgr.addCounter(c)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("ok %d", key), nil
}

func statsLevel(r *http.Request) (string, error) {
	n, err := strconv.ParseInt(r.FormValue("level"), 10, 32)
	if err != nil {
		return "", badRequest(fmt.Sprintf("bad level=%q (1..4)", r.FormValue("level")))
	}
	if err = perfMgr.setStatsLevel(int32(n)); err != nil {
		return "", err
	}
	return fmt.Sprintf("ok stats-level %d", n), nil
}

func clockOffsetCmd(r *http.Request) (string, error) {
	s := r.FormValue("seconds")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxClockOffset.Seconds() {
		return "", badRequest(fmt.Sprintf("bad seconds=%q", s))
	}
	if err = setClockOffset(time.Duration(f * float64(time.Second))); err != nil {
		return "", err
	}
	return fmt.Sprintf("ok clock-offset %gs", clockOffset().Seconds()), nil
}

func stats() string {
	lines := []string{
		fmt.Sprintf("queryperf_calls %d", atomic.LoadInt64(&statQueryPerf)),
		fmt.Sprintf("not_found_faults %d", atomic.LoadInt64(&statNotFound)),
		fmt.Sprintf("host_faults %d", atomic.LoadInt64(&statHostFault)),
		fmt.Sprintf("slow_calls %d", atomic.LoadInt64(&statSlow)),
		fmt.Sprintf("slow_aborted %d", atomic.LoadInt64(&statSlowAborted)),
		fmt.Sprintf("lagged_specs %d", atomic.LoadInt64(&statLagged)),
		fmt.Sprintf("empty_specs %d", atomic.LoadInt64(&statEmpty)),
		fmt.Sprintf("historical_queries %d", atomic.LoadInt64(&statHistorical)),
		fmt.Sprintf("historical_max_metrics_seen %d", atomic.LoadInt64(&statHistMaxSeen)),
		fmt.Sprintf("max_query_metrics_faults %d", atomic.LoadInt64(&statMaxQueryFault)),
		fmt.Sprintf("historical_specs %d", atomic.LoadInt64(&statHistSpecs)),
		fmt.Sprintf("historical_samples %d", atomic.LoadInt64(&statHistSamples)),
		fmt.Sprintf("level_dropped_metrics %d", atomic.LoadInt64(&statLevelDropped)),
		fmt.Sprintf("unknown_historical_metrics %d", atomic.LoadInt64(&statUnknownHist)),
		fmt.Sprintf("entity_faults %d", atomic.LoadInt64(&statEntityFaults)),
		fmt.Sprintf("extra_series %d", atomic.LoadInt64(&statExtraSeries)),
		fmt.Sprintf("counters_added %d", atomic.LoadInt64(&statCountersAdded)),
		fmt.Sprintf("props_paged %d", atomic.LoadInt64(&statPaged)),
		fmt.Sprintf("props_continue_calls %d", atomic.LoadInt64(&statContinue)),
		fmt.Sprintf("props_cancel_calls %d", atomic.LoadInt64(&statCancel)),
		fmt.Sprintf("props_token_faults %d", atomic.LoadInt64(&statTokenFaults)),
		fmt.Sprintf("props_tokens_pending %d", pages.pendingTokens()),
		fmt.Sprintf("wait_for_updates_calls %d", atomic.LoadInt64(&statWaitForUpdates)),
		fmt.Sprintf("current_time_shifted %d", atomic.LoadInt64(&statClockShifted)),
		fmt.Sprintf("stats_level %d", perfMgr.statsLevel()),
		fmt.Sprintf("clock_offset_ms %d", clockOffset().Milliseconds()),
	}
	collectors, filters, made, destroyed := streams.live()
	lines = append(lines,
		fmt.Sprintf("update_collectors_live %d", collectors),
		fmt.Sprintf("update_filters_live %d", filters),
		fmt.Sprintf("update_collectors_created %d", made),
		fmt.Sprintf("update_collectors_destroyed %d", destroyed),
		fmt.Sprintf("update_collectors_dropped %d", atomic.LoadInt64(&statDropped)),
		fmt.Sprintf("retrieve_properties_calls %d", atomic.LoadInt64(&statRetrieve)))
	lines = append(lines, events.stats()...)
	lines = append(lines, alarmStats()...)
	lines = append(lines, restStats()...)
	ctl.mu.Lock()
	var extra []string
	for h, d := range ctl.slow {
		extra = append(extra, fmt.Sprintf("slow %s %g", h.Value, d.Seconds()))
	}
	for k, d := range ctl.lag {
		extra = append(extra, fmt.Sprintf("lag %s %g", k, d.Seconds()))
	}
	for k, id := range ctl.extra {
		extra = append(extra, fmt.Sprintf("extra_counter %s %d", k, id))
	}
	ctl.mu.Unlock()
	extra = append(extra, faultLines()...)
	sort.Strings(extra)
	return strings.Join(append(lines, extra...), "\n")
}

func controlHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprintln(w, "GET or POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64*1024)
	var out string
	var err error
	switch cmd := r.FormValue("cmd"); cmd {
	case "host-state":
		out, err = hostState(r)
	case "slow":
		out, err = slowHost(r)
	case "lag":
		out, err = lag(r)
	case "entity-fault":
		out, err = setEntityFault(r)
	case "extra-counter":
		out, err = extraCounter(r)
	case "counter-add":
		out, err = counterAdd(r)
	case "stats-level":
		out, err = statsLevel(r)
	case "clock-offset":
		out, err = clockOffsetCmd(r)
	case "sensor-health":
		out, err = sensorHealth(r)
	case "stream-drop":
		out = fmt.Sprintf("ok dropped %d", streams.drop())
	case "rest-login-status":
		out, err = restLoginStatus(r)
	case "rest-kill":
		out = fmt.Sprintf("ok killed %d", restKill())
	case "event-post":
		out, err = eventPost(r)
	case "event-burst":
		out, err = eventBurst(r)
	case "events":
		out, err = eventList(r)
	case "alarm-define":
		out, err = alarmDefine(r)
	case "alarm-set":
		out, err = alarmSet(r)
	case "alarm-delete":
		out, err = alarmDelete(r)
	case "clear":
		ctl.clear()
		out = "ok cleared"
	case "stats":
		out = stats()
	default:
		err = badRequest(fmt.Sprintf("unknown cmd=%q (host-state, slow, lag, entity-fault, extra-counter, "+
			"counter-add, stats-level, clock-offset, sensor-health, stream-drop, rest-login-status, rest-kill, "+
			"event-post, event-burst, events, alarm-define, alarm-set, alarm-delete, clear, stats)", cmd))
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintln(w, err.Error())
		return
	}
	fmt.Fprintln(w, out)
}
