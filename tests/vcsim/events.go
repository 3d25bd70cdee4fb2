// SPDX-License-Identifier: MIT

// Events in the test vcsim, kept and served as vCenter's EventManager does.
//
// What vCenter does that vcsim 0.24 does not:
//   - It keeps its events in a database (days of them, hundreds of
//     thousands); vcsim keeps the last 1000 in a ring. Here every event
//     vcsim posts (its own: power operations, creation, destruction,
//     reconfiguration, logins; PostEvent calls; cmd=event-post/-burst)
//     is kept with its real key, the newest keptEvents (200,000) at least.
//   - An EventHistoryCollector follows new events: ReadNextEvents moves
//     forward over every matching event in key order, including those
//     created after the collector. vcsim fills a collector's page once,
//     when it is made, and ReadNextEvents only ever walks that page.
//   - The filter's time (beginTime inclusive, endTime inclusive),
//     eventTypeId (an EventEx or ExtendedEvent matches by its eventTypeId,
//     any other event by its type name: exact names, no base types),
//     userName, eventChainId, category and entity are honoured; vcsim
//     looks at eventTypeId and entity only.
//   - Collectors belong to their session: at most maxCollector (32, as
//     vCenter's EventManager.maxCollector) per session, none once the
//     session has ended (Logout, TerminateSession, idle expiry); another
//     session's collector, or a destroyed one, is ManagedObjectNotFound.
//     vcsim's limit (1000) counts every session's collectors together
//     and never frees those of ended sessions.
//   - ReadNextEvents/ReadPreviousEvents answer at most 1000 events per
//     call; QueryEvents answers the newest 1000 (or filter.maxCount)
//     matching events, oldest first.
//   - createdTime is on vCenter's clock (clock.go), like CurrentTime.
//
// How: vcsim's EventManager stays in the registry (vcsim type-asserts it
// to post its own events), with one collector of its own kind (a tap,
// page size 1) whose every new page is handed to the store here through a
// registry handler. Sessions get vcEventManager instead: it is put into
// each session's registry, which vcsim consults before the global one,
// when the session's UserLoginSessionEvent passes the tap.
//
// Accounting ("stats"): event_collectors_live (collectors of live
// sessions), event_collectors_made, event_collectors_destroyed
// (DestroyCollector), event_collectors_session_ended (dropped because
// their session ended), events_total (kept since the start, the model's
// too), events_kept, events_last_key, read_next_events_calls (answered by
// a collector: not those vcsim refuses for an unknown collector).
package main

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "unsafe" // go:linkname

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	keptEvents         = 200000 // at least the newest this many are kept
	maxEventPage       = 1000   // events per ReadNextEvents/QueryEvents answer
	maxEventCollectors = 32     // per session (EventManager.maxCollector)
	defaultPageSize    = 10     // latestPage size when the filter has no maxCount
)

// sessionOf is vcsim's SessionManager.getSession (unexported; it takes
// vcsim's session lock): the session, with its registry, of a key.
//
//go:linkname sessionOf github.com/vmware/govmomi/simulator.(*SessionManager).getSession
func sessionOf(m *simulator.SessionManager, key string) (simulator.Session, bool)

var statReadNext int64 // ReadNextEvents calls

// keptEvent is one event of the store, with what filters look at.
type keptEvent struct {
	ev      types.BaseEvent
	key     int32
	chain   int32
	typ     string // eventTypeId of an EventEx/ExtendedEvent, else the type name
	user    string
	created time.Time
}

// eventStore holds the events (ascending keys) and the collectors made.
type eventStore struct {
	mu      sync.Mutex
	kept    []keptEvent
	total   int64
	lastKey int32
	message *string // fullFormattedMessage for the event being posted by event-post

	session map[*eventCollector]string // live collector -> session key
	made    int64
	gone    int64 // destroyed by DestroyCollector
	ended   int64 // dropped because their session ended

	stock    *simulator.EventManager
	vc       *vcEventManager
	category map[string]string // event type -> category (EventManager.description)
}

var events = &eventStore{session: make(map[*eventCollector]string)}

// eventType is what a filter's eventTypeId and the control listing call
// an event: the eventTypeId of an EventEx or ExtendedEvent, else its type.
func eventType(ev types.BaseEvent) string {
	switch e := ev.(type) {
	case *types.EventEx:
		if e.EventTypeId != "" {
			return e.EventTypeId
		}
	case *types.ExtendedEvent:
		if e.EventTypeId != "" {
			return e.EventTypeId
		}
	}
	return reflect.TypeOf(ev).Elem().Name()
}

// add keeps an event vcsim has just posted (called under the
// EventManager's lock, in key order), on vCenter's clock.
func (s *eventStore) add(ev types.BaseEvent) {
	e := ev.GetEvent()
	e.CreatedTime = e.CreatedTime.Add(clockOffset()) // vCenter's clock
	s.mu.Lock()
	if s.message != nil {
		e.FullFormattedMessage = *s.message
		s.message = nil
	}
	if e.FullFormattedMessage == "" {
		e.FullFormattedMessage = defaultMessage(ev)
	}
	k := keptEvent{ev: ev, key: e.Key, chain: e.ChainId, typ: eventType(ev), user: e.UserName, created: e.CreatedTime}
	if n := len(s.kept); n == 0 || s.kept[n-1].key < k.key {
		s.kept = append(s.kept, k)
	} else { // not expected: keys are handed out under the same lock
		i := sort.Search(n, func(i int) bool { return s.kept[i].key >= k.key })
		s.kept = append(s.kept, keptEvent{})
		copy(s.kept[i+1:], s.kept[i:])
		s.kept[i] = k
	}
	s.total++
	if k.key > s.lastKey {
		s.lastKey = k.key
	}
	if len(s.kept) > keptEvents+keptEvents/8 { // forget the oldest, in batches
		s.kept = append([]keptEvent(nil), s.kept[len(s.kept)-keptEvents:]...)
	}
	if s.vc != nil {
		s.vc.latest = ev
	}
	s.mu.Unlock()
	if login, ok := ev.(*types.UserLoginSessionEvent); ok {
		s.joinSession(login.SessionId)
	}
}

// joinSession serves a new session's EventManager calls from vcEventManager:
// vcsim looks in the session's own registry first.
func (s *eventStore) joinSession(key string) {
	if sess, ok := sessionOf(simulator.Map.SessionManager(), key); ok && sess.Registry != nil && s.vc != nil {
		sess.Registry.Put(s.vc)
	}
}

func defaultMessage(ev types.BaseEvent) string {
	e := ev.GetEvent()
	name := ""
	for _, a := range []*types.EntityEventArgument{argOf(e.Vm), argOf(e.Host), argOf(e.Ds), argOf(e.ComputeResource), argOf(e.Datacenter)} {
		if a != nil {
			name = a.Name
			break
		}
	}
	if name == "" {
		return eventType(ev)
	}
	return eventType(ev) + " on " + name
}

// argOf is the entity argument inside one of Event's argument fields (nil
// if the field is nil).
func argOf(a interface{}) *types.EntityEventArgument {
	switch x := a.(type) {
	case *types.VmEventArgument:
		if x != nil {
			return &x.EntityEventArgument
		}
	case *types.HostEventArgument:
		if x != nil {
			return &x.EntityEventArgument
		}
	case *types.DatastoreEventArgument:
		if x != nil {
			return &x.EntityEventArgument
		}
	case *types.ComputeResourceEventArgument:
		if x != nil {
			return &x.EntityEventArgument
		}
	case *types.DatacenterEventArgument:
		if x != nil {
			return &x.EntityEventArgument
		}
	}
	return nil
}

// eventEntities lists an event's entity arguments, the most specific
// first: vm, host, ds, computeResource, datacenter (then net, dvs).
func eventEntities(e *types.Event) []types.ManagedObjectReference {
	var refs []types.ManagedObjectReference
	if e.Vm != nil {
		refs = append(refs, e.Vm.Vm)
	}
	if e.Host != nil {
		refs = append(refs, e.Host.Host)
	}
	if e.Ds != nil {
		refs = append(refs, e.Ds.Datastore)
	}
	if e.ComputeResource != nil {
		refs = append(refs, e.ComputeResource.ComputeResource)
	}
	if e.Datacenter != nil {
		refs = append(refs, e.Datacenter.Datacenter)
	}
	if e.Net != nil {
		refs = append(refs, e.Net.Network)
	}
	if e.Dvs != nil {
		refs = append(refs, e.Dvs.Dvs)
	}
	return refs
}

// tap receives the pages of vcsim's own collector (see installEvents):
// one new event each time vcsim posts one.
type eventTap struct{ spy types.ManagedObjectReference }

var tapSpy atomic.Value // types.ManagedObjectReference of the tap's collector

// isEventTap tells the property collectors (updates.go) which object's
// changes to drop: vcsim makes a full pass of every filter at the next
// WaitForUpdatesEx for each change queued, and this collector, in a
// session of its own, is in no client's filter.
func isEventTap(ref types.ManagedObjectReference) bool {
	spy, ok := tapSpy.Load().(types.ManagedObjectReference)
	return ok && ref == spy
}

func (t *eventTap) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "EventHistoryCollector", Value: "vcsim-event-tap"}
}
func (t *eventTap) PutObject(mo.Reference)                    {}
func (t *eventTap) RemoveObject(types.ManagedObjectReference) {}
func (t *eventTap) UpdateObject(o mo.Reference, changes []types.PropertyChange) {
	if o.Reference() != t.spy {
		return
	}
	for _, c := range changes {
		if c.Name != "latestPage" {
			continue
		}
		var page []types.BaseEvent
		switch v := c.Val.(type) {
		case *types.ArrayOfEvent:
			page = v.Event
		case types.ArrayOfEvent:
			page = v.Event
		case []types.BaseEvent:
			page = v
		}
		for _, ev := range page {
			events.add(ev)
		}
	}
}

// installEvents puts the store behind vcsim's EventManager: the events
// vcsim kept so far (building the model posts some), then a tap for every
// later one.
func installEvents() error {
	stock := simulator.Map.EventManager()
	vc := &vcEventManager{}
	throwaway := &simulator.Context{Session: &simulator.Session{Registry: simulator.NewRegistry()}}
	var err error
	simulator.Map.WithLock(stock, func() {
		stock.MaxCollector = maxEventCollectors
		vc.EventManager = stock.EventManager
		events.stock, events.vc = stock, vc
		events.category = make(map[string]string)
		for _, info := range stock.Description.EventInfo {
			events.category[info.Key] = info.Category
		}
		q, ok := stock.QueryEvents(throwaway, &types.QueryEvents{
			Filter: types.EventFilterSpec{MaxCount: maxEventPage}}).(*methods.QueryEventsBody)
		if !ok || q.Res == nil {
			err = fmt.Errorf("QueryEvents of vcsim's EventManager failed")
			return
		}
		old := q.Res.Returnval
		sort.Slice(old, func(i, j int) bool { return old[i].GetEvent().Key < old[j].GetEvent().Key })
		for _, ev := range old {
			events.add(ev)
		}
		c, ok := stock.CreateCollectorForEvents(throwaway, &types.CreateCollectorForEvents{
			Filter: types.EventFilterSpec{MaxCount: 1}}).(*methods.CreateCollectorForEventsBody)
		if !ok || c.Res == nil {
			err = fmt.Errorf("CreateCollectorForEvents of vcsim's EventManager failed")
			return
		}
		tapSpy.Store(c.Res.Returnval)
		simulator.Map.AddHandler(&eventTap{spy: c.Res.Returnval})
	})
	return err
}

// vcEventManager answers the EventManager calls of sessions. Its first
// field is the mo type (vcsim's property collector reads it).
type vcEventManager struct {
	mo.EventManager
	latest types.BaseEvent // guarded by events.mu
}

// Get is what the property collector reads: latestEvent as of now.
func (m *vcEventManager) Get() mo.Reference {
	events.mu.Lock()
	defer events.mu.Unlock()
	clone := m.EventManager
	clone.LatestEvent = m.latest
	return &clone
}

func invalidArgument(prop string) *soap.Fault {
	return simulator.Fault("A specified parameter was not correct: "+prop, &types.InvalidArgument{InvalidProperty: prop})
}

func pageSize(n int32) (int, *soap.Fault) {
	if n < 0 || n > maxEventPage {
		return 0, invalidArgument("maxCount")
	}
	if n == 0 {
		return defaultPageSize, nil
	}
	return int(n), nil
}

// CreateCollectorForEvents makes a collector of the session, positioned
// before the oldest event matching the filter.
func (m *vcEventManager) CreateCollectorForEvents(ctx *simulator.Context, req *types.CreateCollectorForEvents) soap.HasFault {
	body := &methods.CreateCollectorForEventsBody{}
	size, fault := pageSize(req.Filter.MaxCount)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	if req.Filter.Entity != nil && simulator.Map.Get(req.Filter.Entity.Entity) == nil {
		body.Fault_ = invalidArgument("entity")
		return body
	}
	if events.liveOf(ctx.Session.Key) >= maxEventCollectors {
		body.Fault_ = simulator.Fault("Too many event collectors to create", &types.InvalidState{})
		return body
	}
	c := newEventCollector(req.Filter, size)
	c.Self.Type = "EventHistoryCollector"
	ref := ctx.Session.Put(c).Reference()
	events.created(ctx.Session.Key, c)
	body.Res = &types.CreateCollectorForEventsResponse{Returnval: ref}
	return body
}

// QueryEvents answers the newest matching events (at most filter.maxCount,
// or 1000), oldest first.
func (m *vcEventManager) QueryEvents(ctx *simulator.Context, req *types.QueryEvents) soap.HasFault {
	body := &methods.QueryEventsBody{}
	n := int(req.Filter.MaxCount)
	if n < 0 {
		body.Fault_ = invalidArgument("maxCount")
		return body
	}
	if n == 0 || n > maxEventPage {
		n = maxEventPage
	}
	c := newEventCollector(req.Filter, n)
	events.mu.Lock()
	out := c.latestPage(events.kept)
	events.mu.Unlock()
	body.Res = &types.QueryEventsResponse{Returnval: out}
	return body
}

// PostEvent: vcsim's (the tap keeps the event).
func (m *vcEventManager) PostEvent(ctx *simulator.Context, req *types.PostEvent) soap.HasFault {
	return events.stock.PostEvent(ctx, req)
}

// LogUserEvent posts a GeneralUserEvent on an entity, as vCenter does
// (vcsim lacks the method).
func (m *vcEventManager) LogUserEvent(ctx *simulator.Context, req *types.LogUserEvent) soap.HasFault {
	body := &methods.LogUserEventBody{}
	ent, ok := simulator.Map.Get(req.Entity).(mo.Entity)
	if !ok {
		body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: req.Entity})
		return body
	}
	ev := &types.GeneralUserEvent{GeneralEvent: types.GeneralEvent{Message: req.Msg},
		Entity: &types.ManagedEntityEventArgument{Entity: req.Entity}}
	ev.Entity.Name = ent.Entity().Name
	fillArguments(&ev.Event, req.Entity)
	ev.FullFormattedMessage = "User logged event: " + req.Msg
	events.stock.PostEvent(ctx, &types.PostEvent{EventToPost: ev})
	body.Res = &types.LogUserEventResponse{}
	return body
}

// eventCollector is an EventHistoryCollector of one session. Its position
// is the key of the last event read forward (0: before the oldest).
type eventCollector struct {
	mo.EventHistoryCollector
	spec     types.EventFilterSpec
	size     int // latestPage size
	after    int32
	typeIDs  map[string]bool
	category map[string]bool
	users    map[string]bool
}

func stringSet(lists ...[]string) map[string]bool {
	var m map[string]bool
	for _, l := range lists {
		for _, s := range l {
			if m == nil {
				m = make(map[string]bool)
			}
			m[s] = true
		}
	}
	return m
}

func newEventCollector(spec types.EventFilterSpec, size int) *eventCollector {
	c := &eventCollector{spec: spec, size: size}
	c.Filter = spec
	c.typeIDs = stringSet(spec.EventTypeId, spec.Type)
	c.category = stringSet(spec.Category)
	if spec.UserName != nil {
		c.users = stringSet(spec.UserName.UserList)
	}
	return c
}

func (s *eventStore) created(session string, c *eventCollector) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.session[c] = session
	s.made++
}

func (s *eventStore) destroyed(c *eventCollector) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.session[c]; ok {
		s.gone++
	}
	delete(s.session, c)
}

// prune drops the collectors of sessions that ended (vcsim tells nobody,
// so look). Called with s.mu held.
func (s *eventStore) prune() {
	sm := simulator.Map.SessionManager()
	alive := make(map[string]bool)
	for c, key := range s.session {
		live, seen := alive[key]
		if !seen {
			_, live = sessionOf(sm, key)
			alive[key] = live
		}
		if !live {
			delete(s.session, c) // vCenter destroys them with the session
			s.ended++
		}
	}
}

// liveOf counts a session's collectors.
func (s *eventStore) liveOf(session string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	n := 0
	for _, key := range s.session {
		if key == session {
			n++
		}
	}
	return n
}

func (s *eventStore) stats() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	return []string{
		fmt.Sprintf("event_collectors_live %d", len(s.session)),
		fmt.Sprintf("event_collectors_made %d", s.made),
		fmt.Sprintf("event_collectors_destroyed %d", s.gone),
		fmt.Sprintf("event_collectors_session_ended %d", s.ended),
		fmt.Sprintf("events_total %d", s.total),
		fmt.Sprintf("events_kept %d", len(s.kept)),
		fmt.Sprintf("events_last_key %d", s.lastKey),
		fmt.Sprintf("read_next_events_calls %d", atomic.LoadInt64(&statReadNext)),
	}
}

// matches applies the collector's filter to an event.
func (c *eventCollector) matches(k *keptEvent) bool {
	spec := &c.spec
	if t := spec.Time; t != nil {
		if t.BeginTime != nil && k.created.Before(*t.BeginTime) {
			return false
		}
		if t.EndTime != nil && k.created.After(*t.EndTime) {
			return false
		}
	}
	if c.typeIDs != nil && !c.typeIDs[k.typ] {
		return false
	}
	if spec.EventChainId != 0 && k.chain != spec.EventChainId {
		return false
	}
	if u := spec.UserName; u != nil && !(c.users[k.user] || (u.SystemUser && k.user == "")) {
		return false
	}
	if c.category != nil && !c.category[categoryOf(k.ev)] {
		return false
	}
	if spec.Entity != nil && !entityMatches(k.ev, spec.Entity) {
		return false
	}
	return true
}

// categoryOf is an event's category: an EventEx's severity, else what
// EventManager.description says of its type ("info" if nothing).
func categoryOf(ev types.BaseEvent) string {
	if x, ok := ev.(*types.EventEx); ok && x.Severity != "" {
		return x.Severity
	}
	if c := events.category[reflect.TypeOf(ev).Elem().Name()]; c != "" {
		return c
	}
	return "info"
}

// entityMatches: an argument of the event is the entity (recursion self or
// all) or lies below it (children or all); the root folder holds all.
func entityMatches(ev types.BaseEvent, f *types.EventFilterSpecByEntity) bool {
	self := f.Recursion != types.EventFilterSpecRecursionOptionChildren
	below := f.Recursion != types.EventFilterSpecRecursionOptionSelf
	if below && f.Entity == rootFolder() {
		return true
	}
	for _, ref := range eventEntities(ev.GetEvent()) {
		if self && ref == f.Entity {
			return true
		}
		if below {
			for p := parentOf(ref); p != nil; p = parentOf(*p) {
				if *p == f.Entity {
					return true
				}
			}
		}
	}
	return false
}

func rootFolder() types.ManagedObjectReference {
	return simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content.RootFolder
}

// parentOf, entityName and fillArguments read entities without their
// locks, as vcsim's own event arguments do: they run under the
// EventManager's lock (or events.mu), which vcsim's tasks wait for while
// holding the locks of their entities.
func parentOf(ref types.ManagedObjectReference) *types.ManagedObjectReference {
	e, ok := simulator.Map.Get(ref).(mo.Entity)
	if !ok {
		return nil
	}
	return e.Entity().Parent
}

// next reads forward: up to n matching events after the position.
func (c *eventCollector) next(kept []keptEvent, n int) []types.BaseEvent {
	var out []types.BaseEvent
	i := sort.Search(len(kept), func(i int) bool { return kept[i].key > c.after })
	for ; i < len(kept); i++ {
		if !c.matches(&kept[i]) {
			continue
		}
		out = append(out, kept[i].ev)
		if len(out) == n {
			c.after = kept[i].key
			return out
		}
	}
	if len(kept) > 0 && kept[len(kept)-1].key > c.after {
		c.after = kept[len(kept)-1].key // all looked at
	}
	return out
}

// previous reads backward: up to n matching events at or before the
// position (oldest first), and moves the position before them.
func (c *eventCollector) previous(kept []keptEvent, n int) []types.BaseEvent {
	var out []types.BaseEvent
	i := sort.Search(len(kept), func(i int) bool { return kept[i].key > c.after }) - 1
	for ; i >= 0 && len(out) < n; i-- {
		if c.matches(&kept[i]) {
			out = append(out, kept[i].ev)
			c.after = kept[i].key - 1
		}
	}
	if len(out) < n {
		c.after = 0
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}

// latestPage is the newest c.size matching events, oldest first.
func (c *eventCollector) latestPage(kept []keptEvent) []types.BaseEvent {
	var out []types.BaseEvent
	for i := len(kept) - 1; i >= 0 && len(out) < c.size; i-- {
		if c.matches(&kept[i]) {
			out = append(out, kept[i].ev)
		}
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}

// Get is what the property collector reads: filter and latestPage now.
func (c *eventCollector) Get() mo.Reference {
	events.mu.Lock()
	defer events.mu.Unlock()
	clone := c.EventHistoryCollector
	clone.LatestPage = c.latestPage(events.kept)
	return &clone
}

func readCount(n int32) (int, *soap.Fault) {
	if n <= 0 {
		return 0, invalidArgument("maxCount")
	}
	if n > maxEventPage {
		n = maxEventPage
	}
	return int(n), nil
}

// ReadNextEvents: the next matching events in key order, new ones too; no
// returnval when there is nothing new.
func (c *eventCollector) ReadNextEvents(ctx *simulator.Context, req *types.ReadNextEvents) soap.HasFault {
	atomic.AddInt64(&statReadNext, 1)
	body := &methods.ReadNextEventsBody{}
	n, fault := readCount(req.MaxCount)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	events.mu.Lock()
	out := c.next(events.kept, n)
	events.mu.Unlock()
	body.Res = &types.ReadNextEventsResponse{Returnval: out}
	return body
}

// ReadPreviousEvents: the matching events before the position.
func (c *eventCollector) ReadPreviousEvents(ctx *simulator.Context, req *types.ReadPreviousEvents) soap.HasFault {
	body := &methods.ReadPreviousEventsBody{}
	n, fault := readCount(req.MaxCount)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	events.mu.Lock()
	out := c.previous(events.kept, n)
	events.mu.Unlock()
	body.Res = &types.ReadPreviousEventsResponse{Returnval: out}
	return body
}

// ResetCollector moves the position just before the latest page.
func (c *eventCollector) ResetCollector(ctx *simulator.Context, req *types.ResetCollector) soap.HasFault {
	events.mu.Lock()
	page := c.latestPage(events.kept)
	if len(page) > 0 {
		c.after = page[0].GetEvent().Key - 1
	} else {
		c.after = events.lastKey
	}
	events.mu.Unlock()
	return &methods.ResetCollectorBody{Res: &types.ResetCollectorResponse{}}
}

// RewindCollector moves the position before the oldest event.
func (c *eventCollector) RewindCollector(ctx *simulator.Context, req *types.RewindCollector) soap.HasFault {
	c.after = 0
	return &methods.RewindCollectorBody{Res: &types.RewindCollectorResponse{}}
}

func (c *eventCollector) SetCollectorPageSize(ctx *simulator.Context, req *types.SetCollectorPageSize) soap.HasFault {
	body := &methods.SetCollectorPageSizeBody{}
	size, fault := pageSize(req.MaxCount)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	c.size = size
	body.Res = &types.SetCollectorPageSizeResponse{}
	return body
}

// DestroyCollector ends the collector: later calls on it are
// ManagedObjectNotFound (vcsim answers that for a moref it does not know).
func (c *eventCollector) DestroyCollector(ctx *simulator.Context, req *types.DestroyCollector) soap.HasFault {
	ctx.Session.Remove(c.Self)
	events.destroyed(c)
	return &methods.DestroyCollectorBody{Res: &types.DestroyCollectorResponse{}}
}

// --- control commands ------------------------------------------------------

// datacenterOf walks up to an entity's datacenter.
func datacenterOf(ref types.ManagedObjectReference) *types.DatacenterEventArgument {
	for r := &ref; r != nil; r = parentOf(*r) {
		if r.Type == "Datacenter" {
			if dc, ok := simulator.Map.Get(*r).(*simulator.Datacenter); ok {
				return &types.DatacenterEventArgument{Datacenter: *r,
					EntityEventArgument: types.EntityEventArgument{Name: dc.Name}}
			}
		}
	}
	return nil
}

func entityName(ref types.ManagedObjectReference) string {
	if e, ok := simulator.Map.Get(ref).(mo.Entity); ok {
		return e.Entity().Name
	}
	return ""
}

func hostArguments(e *types.Event, host types.ManagedObjectReference) {
	e.Host = &types.HostEventArgument{Host: host, EntityEventArgument: types.EntityEventArgument{Name: entityName(host)}}
	if p := parentOf(host); p != nil && (p.Type == "ComputeResource" || p.Type == "ClusterComputeResource") {
		e.ComputeResource = &types.ComputeResourceEventArgument{ComputeResource: *p,
			EntityEventArgument: types.EntityEventArgument{Name: entityName(*p)}}
	}
}

// fillArguments sets the entity arguments vCenter gives an event about
// ref: a VM's vm, host, computeResource and datacenter; a host's host,
// computeResource and datacenter; a datastore's ds and datacenter; a
// cluster's computeResource and datacenter.
func fillArguments(e *types.Event, ref types.ManagedObjectReference) {
	switch ref.Type {
	case "VirtualMachine":
		e.Vm = &types.VmEventArgument{Vm: ref, EntityEventArgument: types.EntityEventArgument{Name: entityName(ref)}}
		if vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine); ok && vm.Runtime.Host != nil {
			hostArguments(e, *vm.Runtime.Host)
		}
	case "HostSystem":
		hostArguments(e, ref)
	case "Datastore":
		e.Ds = &types.DatastoreEventArgument{Datastore: ref, EntityEventArgument: types.EntityEventArgument{Name: entityName(ref)}}
	case "ComputeResource", "ClusterComputeResource":
		e.ComputeResource = &types.ComputeResourceEventArgument{ComputeResource: ref,
			EntityEventArgument: types.EntityEventArgument{Name: entityName(ref)}}
	}
	e.Datacenter = datacenterOf(ref)
}

// eventEntity resolves event-post's name=: a moref (TYPE:moref or a bare
// value), else a VM or, failing that, a host of that name (a standalone
// host's compute resource has the host's name), else any entity.
func eventEntity(name string) (types.ManagedObjectReference, error) {
	if !strings.Contains(name, ":") {
		for _, kind := range []string{"VirtualMachine", "HostSystem"} {
			var found []types.ManagedObjectReference
			if simulator.Map.Get(types.ManagedObjectReference{Type: kind, Value: name}) != nil {
				return types.ManagedObjectReference{Type: kind, Value: name}, nil
			}
			for _, e := range simulator.Map.All(kind) {
				if e.Entity().Name == name {
					found = append(found, e.Reference())
				}
			}
			switch len(found) {
			case 0:
				continue
			case 1:
				return found[0], nil
			}
			return types.ManagedObjectReference{}, badRequest(fmt.Sprintf("%d %s named %q, use the moref", len(found), kind, name))
		}
	}
	return findEntity(name)
}

var (
	baseEventType   = reflect.TypeOf((*types.BaseEvent)(nil)).Elem()
	localizedFault  = reflect.TypeOf(types.LocalizedMethodFault{})
	eventPostParams = "type=EventType|EventEx|ExtendedEvent [name=ENTITY] [message=] [user=] [event_type_id=] [severity=]"
)

// newEvent builds one event as event-post describes it.
func newEvent(r *http.Request) (types.BaseEvent, error) {
	kind := r.FormValue("type")
	typeID := r.FormValue("event_type_id")
	t, ok := types.TypeFunc()(kind)
	if !ok || t.Kind() != reflect.Struct || !reflect.PtrTo(t).Implements(baseEventType) {
		// a bare eventTypeId (com.vmware..., esx.problem...) is an EventEx
		if kind == "" || !strings.Contains(kind, ".") {
			return nil, badRequest(fmt.Sprintf("bad type=%q (%s)", kind, eventPostParams))
		}
		t, typeID = reflect.TypeOf(types.EventEx{}), kind
	}
	ev := reflect.New(t).Interface().(types.BaseEvent)
	e := ev.GetEvent()
	var ref *types.ManagedObjectReference
	if name := r.FormValue("name"); name != "" {
		found, err := eventEntity(name)
		if err != nil {
			return nil, err
		}
		ref = &found
		fillArguments(e, found)
	}
	if f := reflect.ValueOf(ev).Elem().FieldByName("Reason"); f.IsValid() && f.Type() == localizedFault {
		msg := r.FormValue("message")
		if msg == "" {
			msg = "A general system error occurred: vcsim-control event-post"
		}
		f.Set(reflect.ValueOf(types.LocalizedMethodFault{
			Fault: &types.SystemError{Reason: "vcsim-control event-post"}, LocalizedMessage: msg}))
	}
	switch x := ev.(type) {
	case *types.EventEx:
		if typeID == "" {
			return nil, badRequest("type=EventEx needs event_type_id=ID")
		}
		x.EventTypeId = typeID
		x.Severity = r.FormValue("severity")
		if x.Severity == "" {
			x.Severity = "info"
		}
		x.Message = r.FormValue("message")
		if ref != nil {
			x.ObjectId, x.ObjectType, x.ObjectName = ref.Value, ref.Type, entityName(*ref)
		}
	case *types.ExtendedEvent:
		if typeID == "" {
			return nil, badRequest("type=ExtendedEvent needs event_type_id=ID")
		}
		x.EventTypeId = typeID
		x.Message = r.FormValue("message")
		if ref != nil {
			x.ManagedObject = *ref
		} else {
			x.ManagedObject = rootFolder()
		}
	default:
		if typeID != "" {
			return nil, badRequest(fmt.Sprintf("event_type_id= is for EventEx and ExtendedEvent, not %s", kind))
		}
	}
	return ev, nil
}

// post posts events through vcsim's EventManager (its lock held
// throughout, so their keys follow each other), as user.
func post(user string, message *string, evs ...types.BaseEvent) {
	ctx := &simulator.Context{Session: &simulator.Session{UserSession: types.UserSession{UserName: user}}}
	simulator.Map.WithLock(events.stock, func() {
		for _, ev := range evs {
			if message != nil {
				events.mu.Lock()
				events.message = message
				events.mu.Unlock()
			}
			events.stock.PostEvent(ctx, &types.PostEvent{EventToPost: ev})
		}
	})
}

func optMessage(r *http.Request) *string {
	if _, ok := r.Form["message"]; ok {
		m := r.FormValue("message")
		return &m
	}
	return nil
}

// eventPost is cmd=event-post: one event; answers "ok KEY".
func eventPost(r *http.Request) (string, error) {
	ev, err := newEvent(r)
	if err != nil {
		return "", err
	}
	post(r.FormValue("user"), optMessage(r), ev)
	return fmt.Sprintf("ok %d", ev.GetEvent().Key), nil
}

// eventBurst is cmd=event-burst: count=N events alike; answers "ok FIRST LAST".
func eventBurst(r *http.Request) (string, error) {
	n, err := strconv.Atoi(r.FormValue("count"))
	if err != nil || n < 1 || n > keptEvents {
		return "", badRequest(fmt.Sprintf("bad count=%q (1..%d)", r.FormValue("count"), keptEvents))
	}
	proto, err := newEvent(r)
	if err != nil {
		return "", err
	}
	evs := make([]types.BaseEvent, n)
	for i := range evs { // copies (the entity arguments are shared: never changed)
		v := reflect.New(reflect.TypeOf(proto).Elem())
		v.Elem().Set(reflect.ValueOf(proto).Elem())
		evs[i] = v.Interface().(types.BaseEvent)
	}
	post(r.FormValue("user"), optMessage(r), evs...)
	return fmt.Sprintf("ok %d %d", evs[0].GetEvent().Key, evs[n-1].GetEvent().Key), nil
}

// eventList is cmd=events [since=K]: "KEY TYPE ENTITY TIME" per kept event
// with key > K (ENTITY: the most specific argument's moref, or "-").
func eventList(r *http.Request) (string, error) {
	var since int64
	if s := r.FormValue("since"); s != "" {
		var err error
		if since, err = strconv.ParseInt(s, 10, 32); err != nil {
			return "", badRequest(fmt.Sprintf("bad since=%q", s))
		}
	}
	events.mu.Lock()
	i := sort.Search(len(events.kept), func(i int) bool { return int64(events.kept[i].key) > since })
	list := append([]keptEvent(nil), events.kept[i:]...)
	events.mu.Unlock()
	var b strings.Builder
	for _, k := range list {
		entity := "-"
		if refs := eventEntities(k.ev.GetEvent()); len(refs) > 0 {
			entity = refs[0].Value
		}
		fmt.Fprintf(&b, "%d %s %s %s\n", k.key, k.typ, entity, k.created.UTC().Format(time.RFC3339Nano))
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
