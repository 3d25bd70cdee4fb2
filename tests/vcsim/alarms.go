// SPDX-License-Identifier: MIT

// Triggered alarms in the test vcsim. Stock vcsim 0.24 has no alarms:
// ServiceContent names an AlarmManager that is not there, no Alarm object
// exists and every entity's triggeredAlarmState stays empty.
//
// Here, as on vCenter:
//   - Alarm managed objects ("alarm-N", never reused) with info (AlarmInfo:
//     name, description, key, alarm, entity = the root folder, enabled,
//     lastModifiedTime/-User, an empty "or" expression). The property
//     collector reads them like any object (RetrievePropertiesEx of
//     "info.name"); one deleted is ManagedObjectNotFound, and a
//     RetrievePropertiesEx naming it faults as a whole (vcsim's collector
//     already does that for an unknown object).
//   - An alarm's state on an entity (AlarmState: key "<alarm>.<entity>",
//     entity, alarm, overallStatus, time, acknowledged, acknowledgedByUser
//     and acknowledgedTime once acknowledged) is in the entity's
//     triggeredAlarmState and, the same AlarmState, in that of every
//     container above it: its parents up to the root folder (folders, the
//     datacenter; a host's compute resource or cluster) and, for a VM, its
//     resource pools, their cluster or compute resource, and its host.
//     Every change goes through the registry (Registry.Update), so that
//     property collectors and their update streams (WaitForUpdatesEx) see
//     it. An entity that leaves the inventory takes its alarm states with
//     it from its containers.
//   - A status change posts an AlarmStatusChangedEvent (from, to: "green"
//     for an alarm that was not or is no longer triggered; source the
//     alarm's entity, entity the object), an acknowledgement an
//     AlarmAcknowledgedEvent, both with the object's entity arguments.
//   - AlarmManager: GetAlarm (every alarm for no entity or the root
//     folder, else none: all are defined on the root folder),
//     GetAlarmState (the entity's triggeredAlarmState), AcknowledgeAlarm
//     (the state of that alarm on that entity, by the session's user; one
//     acknowledged or not triggered is left as it is). Alarm.RemoveAlarm.
//
// Control (control.go):
//
//	cmd=alarm-define name=NAME          an alarm (idempotent per name among
//	                                    the alarms not deleted); "ok MOREF"
//	cmd=alarm-set entity=ENTITY alarm=ALARM status=green|yellow|red|none
//	              [ack=true|false] [user=USER]
//	                                    sets (none: removes) the alarm's
//	                                    state on ENTITY and its containers;
//	                                    ack= absent keeps the state's
//	                                    acknowledgement (false for a new
//	                                    one); user= is the acknowledging
//	                                    user (default
//	                                    VSPHERE.LOCAL\Administrator); "ok"
//	cmd=alarm-delete alarm=ALARM        removes the Alarm object (its states
//	                                    stay, naming it, until set to none);
//	                                    "ok MOREF"
//
// ENTITY: a VM or else a host name, any other entity's name, a moref value
// or TYPE:moref (as event-post's name=). ALARM: a moref (alarm-N, also of
// a deleted alarm), else the name of an alarm not deleted, else of a
// deleted one (the latest).
//
// Accounting ("stats"): alarms_defined (Alarm objects now), alarm_states
// (AlarmStates in every entity's triggeredAlarmState, containers' copies
// included), alarm_name_reads (RetrievePropertiesEx calls whose objects or
// property specs name the type Alarm).
package main

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const defaultAckUser = `VSPHERE.LOCAL\Administrator`

var statAlarmReads int64 // RetrievePropertiesEx calls asking for Alarm objects

// stateKey names one alarm's state on one entity.
type stateKey struct{ alarm, entity types.ManagedObjectReference }

// alarmStore: the alarms defined and where their states are.
type alarmStore struct {
	mu     sync.Mutex // held through alarm-set, alarm-delete, AcknowledgeAlarm
	next   int
	names  map[string]string                           // moref value -> name (deleted alarms too)
	live   map[string]bool                             // moref value -> not deleted
	order  []string                                    // moref values, in creation order
	placed map[stateKey][]types.ManagedObjectReference // where each state is
	mgr    *alarmManager
	silent bool // alarm-set silent=true: an in-place change not reported
}

var alarms = &alarmStore{names: make(map[string]string), live: make(map[string]bool),
	placed: make(map[stateKey][]types.ManagedObjectReference)}

// vcAlarm is an Alarm managed object (its first field the mo type, which
// vcsim's property collector reads).
type vcAlarm struct {
	mo.Alarm
}

// RemoveAlarm deletes the alarm, as alarm-delete.
func (a *vcAlarm) RemoveAlarm(ctx *simulator.Context, req *types.RemoveAlarm) soap.HasFault {
	alarms.mu.Lock()
	alarms.remove(a.Self.Value)
	alarms.mu.Unlock()
	return &methods.RemoveAlarmBody{Res: &types.RemoveAlarmResponse{}}
}

// alarmManager is ServiceContent.alarmManager (vcsim's is a bare
// mo.AlarmManager: no method).
type alarmManager struct {
	mo.AlarmManager
}

func (m *alarmManager) GetAlarm(ctx *simulator.Context, req *types.GetAlarm) soap.HasFault {
	body := &methods.GetAlarmBody{Res: &types.GetAlarmResponse{}}
	if req.Entity != nil && *req.Entity != rootFolder() {
		if simulator.Map.Get(*req.Entity) == nil {
			body.Res, body.Fault_ = nil, notFound(*req.Entity)
		}
		return body // all are defined on the root folder
	}
	alarms.mu.Lock()
	for _, v := range alarms.order {
		if alarms.live[v] {
			body.Res.Returnval = append(body.Res.Returnval, alarmRef(v))
		}
	}
	alarms.mu.Unlock()
	return body
}

func (m *alarmManager) GetAlarmState(ctx *simulator.Context, req *types.GetAlarmState) soap.HasFault {
	body := &methods.GetAlarmStateBody{}
	e, ok := simulator.Map.Get(req.Entity).(mo.Entity)
	if !ok {
		body.Fault_ = notFound(req.Entity)
		return body
	}
	body.Res = &types.GetAlarmStateResponse{}
	simulator.Map.WithLock(e, func() {
		body.Res.Returnval = append([]types.AlarmState(nil), e.Entity().TriggeredAlarmState...)
	})
	return body
}

func (m *alarmManager) AcknowledgeAlarm(ctx *simulator.Context, req *types.AcknowledgeAlarm) soap.HasFault {
	body := &methods.AcknowledgeAlarmBody{}
	if _, ok := simulator.Map.Get(req.Entity).(mo.Entity); !ok {
		body.Fault_ = notFound(req.Entity)
		return body
	}
	alarms.mu.Lock()
	known := alarms.names[req.Alarm.Value] != "" && req.Alarm.Type == "Alarm"
	var evs []types.BaseEvent
	if known {
		user := ""
		if ctx.Session != nil {
			user = ctx.Session.UserName
		}
		if old := alarms.current(stateKey{req.Alarm, req.Entity}); old != nil && !isTrue(old.Acknowledged) {
			ack := true
			evs = alarms.set(req.Entity, req.Alarm, string(old.OverallStatus), &ack, user)
		}
	}
	alarms.mu.Unlock()
	if !known {
		body.Fault_ = simulator.Fault("A specified parameter was not correct: alarm",
			&types.InvalidArgument{InvalidProperty: "alarm"})
		return body
	}
	postAlarmEvents(evs)
	body.Res = &types.AcknowledgeAlarmResponse{}
	return body
}

func isTrue(b *bool) bool { return b != nil && *b }

func alarmRef(value string) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "Alarm", Value: value}
}

// installAlarms puts the AlarmManager ServiceContent names in the
// registry, and a watcher for entities leaving the inventory.
func installAlarms(ref *types.ManagedObjectReference) error {
	if ref == nil {
		return fmt.Errorf("ServiceContent has no alarmManager")
	}
	// vcsim put a bare mo.AlarmManager there (no methods)
	if o := simulator.Map.Get(*ref); o != nil {
		if _, bare := o.(*mo.AlarmManager); !bare {
			return fmt.Errorf("%v is a %T in the registry", *ref, o)
		}
	}
	m := &alarmManager{}
	m.Self = *ref
	simulator.Map.Put(m)
	if simulator.Map.Get(*ref) != m {
		return fmt.Errorf("replacing %v in the registry failed", *ref)
	}
	alarms.mgr = m
	simulator.Map.AddHandler(&alarmWatcher{})
	return nil
}

// --- definitions -------------------------------------------------------------

// define makes an alarm named name, or returns the live one of that name.
func (s *alarmStore) define(name, user string) types.ManagedObjectReference {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.order {
		if s.live[v] && s.names[v] == name {
			return alarmRef(v)
		}
	}
	s.next++
	ref := alarmRef("alarm-" + strconv.Itoa(s.next))
	a := &vcAlarm{}
	a.Self = ref
	a.Info = types.AlarmInfo{
		AlarmSpec: types.AlarmSpec{Name: name, Description: "vcsim-control alarm-define",
			Enabled: true, Expression: &types.OrAlarmExpression{}},
		Key: ref.Value, Alarm: ref, Entity: rootFolder(),
		LastModifiedTime: vcNow(), LastModifiedUser: user,
	}
	s.names[ref.Value] = name
	s.live[ref.Value] = true
	s.order = append(s.order, ref.Value)
	simulator.Map.Put(a)
	return ref
}

// remove deletes an Alarm object (called with s.mu held).
func (s *alarmStore) remove(value string) {
	if !s.live[value] {
		return
	}
	s.live[value] = false
	simulator.Map.Remove(alarmRef(value))
}

// resolve finds ALARM: a moref (deleted too), a live alarm's name, a
// deleted alarm's name (the latest). Called with s.mu held.
func (s *alarmStore) resolve(arg string) (types.ManagedObjectReference, error) {
	if arg == "" {
		return types.ManagedObjectReference{}, badRequest("missing alarm=ALARM (a moref or a name)")
	}
	v := strings.TrimPrefix(arg, "Alarm:")
	if _, ok := s.names[v]; ok {
		return alarmRef(v), nil
	}
	deleted := ""
	for _, v := range s.order {
		if s.names[v] != arg {
			continue
		}
		if s.live[v] {
			return alarmRef(v), nil
		}
		deleted = v
	}
	if deleted != "" {
		return alarmRef(deleted), nil
	}
	return types.ManagedObjectReference{}, badRequest(fmt.Sprintf("no alarm %q (alarm-define it first)", arg))
}

// --- states -------------------------------------------------------------------

// containers lists where an alarm's state on ref shows: ref, its parents
// up to the root folder, and for a VM its resource pools (and their
// cluster or compute resource) and its host (and its cluster or compute
// resource), each once.
func containers(ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	seen := make(map[types.ManagedObjectReference]bool)
	up := func(r *types.ManagedObjectReference) {
		for ; r != nil && !seen[*r]; r = parentOf(*r) {
			if _, ok := simulator.Map.Get(*r).(mo.Entity); !ok {
				return
			}
			seen[*r] = true
			out = append(out, *r)
		}
	}
	up(&ref)
	if vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine); ok {
		var pool, host *types.ManagedObjectReference
		simulator.Map.WithLock(vm, func() {
			if vm.ResourcePool != nil {
				p := *vm.ResourcePool
				pool = &p
			}
			if vm.Runtime.Host != nil {
				h := *vm.Runtime.Host
				host = &h
			}
		})
		up(pool)
		up(host)
	}
	return out
}

// current is the state of an alarm on an entity (nil: none). Called with
// s.mu held.
func (s *alarmStore) current(k stateKey) *types.AlarmState {
	e, ok := simulator.Map.Get(k.entity).(mo.Entity)
	if !ok {
		return nil
	}
	var found *types.AlarmState
	simulator.Map.WithLock(e, func() {
		for _, st := range e.Entity().TriggeredAlarmState {
			if st.Alarm == k.alarm && st.Entity == k.entity {
				c := st
				found = &c
				return
			}
		}
	})
	return found
}

// replace puts st (nil: nothing) in place of the state of k in one
// container's triggeredAlarmState, through the registry; whether it
// changed anything. Called with s.mu held.
func (s *alarmStore) replace(on types.ManagedObjectReference, k stateKey, st *types.AlarmState) bool {
	e, ok := simulator.Map.Get(on).(mo.Entity)
	if !ok {
		return false
	}
	changed := false
	simulator.Map.WithLock(e, func() {
		old := e.Entity().TriggeredAlarmState
		list := make([]types.AlarmState, 0, len(old)+1)
		done := false
		for _, x := range old {
			if x.Alarm == k.alarm && x.Entity == k.entity {
				if st != nil && !done {
					list = append(list, *st)
					done = true
				}
				continue
			}
			list = append(list, x)
		}
		if st != nil && !done {
			list = append(list, *st)
		}
		changed = len(list) != len(old) || st != nil
		if changed && s.silent && done && len(list) == len(old) {
			// vCenter after API 5.0 "might not generate property
			// collector update notifications" for an AlarmState's
			// overallStatus: the value changes, no stream hears of it
			e.Entity().TriggeredAlarmState = list
		} else if changed {
			simulator.Map.Update(e, []types.PropertyChange{{Name: "triggeredAlarmState", Val: list}})
		}
	})
	return changed
}

// set sets (status "" or "none": removes) the state of an alarm on an
// entity and its containers. ack nil keeps the acknowledgement. Returns
// the events to post. Called with s.mu held.
func (s *alarmStore) set(entity, alarm types.ManagedObjectReference, status string, ack *bool, user string) []types.BaseEvent {
	k := stateKey{alarm, entity}
	old := s.current(k)
	now := vcNow()
	var st *types.AlarmState
	if status != "" && status != "none" {
		n := types.AlarmState{Key: alarm.Value + "." + entity.Value, Entity: entity, Alarm: alarm,
			OverallStatus: types.ManagedEntityStatus(status), Time: now, Acknowledged: types.NewBool(false)}
		if old != nil {
			n = *old
			n.Acknowledged = types.NewBool(isTrue(old.Acknowledged))
			if old.OverallStatus != types.ManagedEntityStatus(status) {
				n.OverallStatus, n.Time = types.ManagedEntityStatus(status), now
			}
		}
		if ack != nil && *ack && !isTrue(n.Acknowledged) {
			t := now
			n.Acknowledged, n.AcknowledgedByUser, n.AcknowledgedTime = types.NewBool(true), user, &t
		} else if ack != nil && !*ack {
			n.Acknowledged, n.AcknowledgedByUser, n.AcknowledgedTime = types.NewBool(false), "", nil
		}
		st = &n
	}
	if old == nil && st == nil || old != nil && st != nil && reflect.DeepEqual(*old, *st) {
		return nil // nothing changes: vCenter reports nothing
	}
	// where it shows now, and where it showed (a VM moved since)
	targets := containers(entity)
	for _, r := range s.placed[k] {
		dup := false
		for _, t := range targets {
			dup = dup || t == r
		}
		if !dup {
			s.replace(r, k, nil)
		}
	}
	for _, r := range targets {
		s.replace(r, k, st)
	}
	if st == nil {
		delete(s.placed, k)
	} else {
		s.placed[k] = targets
	}
	return alarmEvents(k, old, st, user)
}

// alarmEvents: what vCenter posts for a change of one alarm's state.
func alarmEvents(k stateKey, old, now *types.AlarmState, user string) []types.BaseEvent {
	from, to := "green", "green"
	if old != nil {
		from = string(old.OverallStatus)
	}
	if now != nil {
		to = string(now.OverallStatus)
	}
	name := alarms.names[k.alarm.Value]
	source := rootFolder()
	arg := func(ref types.ManagedObjectReference) types.ManagedEntityEventArgument {
		return types.ManagedEntityEventArgument{Entity: ref, EntityEventArgument: types.EntityEventArgument{Name: entityName(ref)}}
	}
	base := func() types.AlarmEvent {
		var e types.AlarmEvent
		e.Alarm = types.AlarmEventArgument{Alarm: k.alarm, EntityEventArgument: types.EntityEventArgument{Name: name}}
		fillArguments(&e.Event, k.entity)
		return e
	}
	var evs []types.BaseEvent
	if from != to {
		ev := &types.AlarmStatusChangedEvent{AlarmEvent: base(), Source: arg(source), Entity: arg(k.entity), From: from, To: to}
		ev.FullFormattedMessage = fmt.Sprintf("Alarm '%s' on %s changed from %s to %s", name, entityName(k.entity), title(from), title(to))
		evs = append(evs, ev)
	}
	if now != nil && isTrue(now.Acknowledged) && (old == nil || !isTrue(old.Acknowledged)) {
		ev := &types.AlarmAcknowledgedEvent{AlarmEvent: base(), Source: arg(source), Entity: arg(k.entity)}
		ev.UserName = user
		ev.FullFormattedMessage = fmt.Sprintf("Acknowledged alarm '%s' on %s", name, entityName(k.entity))
		evs = append(evs, ev)
	}
	return evs
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// postAlarmEvents posts them (no lock of ours held: vcsim's tasks hold
// their entities' locks while they wait for the EventManager's).
func postAlarmEvents(evs []types.BaseEvent) {
	for _, ev := range evs {
		msg := ev.GetEvent().FullFormattedMessage
		post(ev.GetEvent().UserName, &msg, ev)
	}
}

// alarmWatcher takes the alarm states of an entity leaving the inventory
// out of its containers (vcsim's Destroy_Task holds locks of the
// containers while it removes the entity: done in the background).
type alarmWatcher struct{}

func (w *alarmWatcher) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "AlarmWatcher", Value: "vcsim-alarm-watcher"}
}
func (w *alarmWatcher) PutObject(mo.Reference)                            {}
func (w *alarmWatcher) UpdateObject(mo.Reference, []types.PropertyChange) {}
func (w *alarmWatcher) RemoveObject(ref types.ManagedObjectReference) {
	if _, ok := simulator.Map.Get(ref).(mo.Entity); !ok {
		return // (still in the registry while the handlers run)
	}
	go func() { // alarms.mu may be held by a call waiting for a lock the remover holds
		alarms.mu.Lock()
		defer alarms.mu.Unlock()
		for k, where := range alarms.placed {
			if k.entity != ref {
				continue
			}
			for _, r := range where {
				if r != ref {
					alarms.replace(r, k, nil)
				}
			}
			delete(alarms.placed, k)
		}
	}()
}

// --- accounting ----------------------------------------------------------------

// asksAlarms: a RetrievePropertiesEx whose objects or property specs are
// of type Alarm.
func asksAlarms(r *types.RetrievePropertiesEx) bool {
	for _, spec := range r.SpecSet {
		for _, o := range spec.ObjectSet {
			if o.Obj.Type == "Alarm" {
				return true
			}
		}
		for _, p := range spec.PropSet {
			if p.Type == "Alarm" {
				return true
			}
		}
	}
	return false
}

func alarmStats() []string {
	alarms.mu.Lock()
	defined := 0
	for _, v := range alarms.live {
		if v {
			defined++
		}
	}
	states := 0
	for _, where := range alarms.placed {
		for _, r := range where {
			if simulator.Map.Get(r) != nil {
				states++
			}
		}
	}
	alarms.mu.Unlock()
	return []string{
		fmt.Sprintf("alarms_defined %d", defined),
		fmt.Sprintf("alarm_states %d", states),
		fmt.Sprintf("alarm_name_reads %d", atomic.LoadInt64(&statAlarmReads)),
	}
}

// --- control commands --------------------------------------------------------

// alarmDefine is cmd=alarm-define name=NAME: "ok MOREF".
func alarmDefine(r *http.Request) (string, error) {
	name := r.FormValue("name")
	if name == "" {
		return "", badRequest("missing name=NAME")
	}
	user := r.FormValue("user")
	if user == "" {
		user = defaultAckUser
	}
	return "ok " + alarms.define(name, user).Value, nil
}

// alarmSet is cmd=alarm-set entity= alarm= status= [ack=] [user=]: "ok".
func alarmSet(r *http.Request) (string, error) {
	name := r.FormValue("entity")
	if name == "" {
		return "", badRequest("missing entity=ENTITY")
	}
	entity, err := eventEntity(name)
	if err != nil {
		return "", err
	}
	if _, ok := simulator.Map.Get(entity).(mo.Entity); !ok {
		return "", badRequest(fmt.Sprintf("%v is not a managed entity", entity))
	}
	status := r.FormValue("status")
	switch status {
	case "green", "yellow", "red", "none":
	default:
		return "", badRequest(fmt.Sprintf("bad status=%q (green|yellow|red|none)", status))
	}
	var ack *bool
	switch a := r.FormValue("ack"); a {
	case "":
	case "true", "false":
		b := a == "true"
		ack = &b
	default:
		return "", badRequest(fmt.Sprintf("bad ack=%q (true|false)", a))
	}
	user := r.FormValue("user")
	if user == "" {
		user = defaultAckUser
	}
	alarms.mu.Lock()
	alarm, err := alarms.resolve(r.FormValue("alarm"))
	var evs []types.BaseEvent
	if err == nil {
		alarms.silent = r.FormValue("silent") == "true"
		evs = alarms.set(entity, alarm, status, ack, user)
		alarms.silent = false
	}
	alarms.mu.Unlock()
	if err != nil {
		return "", err
	}
	postAlarmEvents(evs)
	return "ok", nil
}

// alarmDelete is cmd=alarm-delete alarm=ALARM: "ok MOREF".
func alarmDelete(r *http.Request) (string, error) {
	alarms.mu.Lock()
	defer alarms.mu.Unlock()
	alarm, err := alarms.resolve(r.FormValue("alarm"))
	if err != nil {
		return "", err
	}
	if !alarms.live[alarm.Value] {
		return "", badRequest(fmt.Sprintf("%s is already deleted", alarm.Value))
	}
	alarms.remove(alarm.Value)
	return "ok " + alarm.Value, nil
}
