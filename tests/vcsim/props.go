// SPDX-License-Identifier: MIT

// Property collector paging for the test vcsim. vcsim 0.24 ignores
// RetrievePropertiesEx options.maxObjects and lacks
// ContinueRetrievePropertiesEx / CancelRetrievePropertiesEx; vCenter
// answers at most maxObjects objects plus a token for the rest. Each token
// is good for one call, in the session and on the collector that issued
// it; a session's tokens die with it.
package main

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// counters reported by "stats"
var (
	statPaged       int64 // RetrievePropertiesEx answers cut to maxObjects
	statContinue    int64 // ContinueRetrievePropertiesEx calls
	statCancel      int64 // CancelRetrievePropertiesEx calls
	statTokenFaults int64 // Continue/Cancel calls with an unknown token
)

// pagingCollector replaces the PropertyCollector singleton. Like
// strictPerfManager it embeds vcsim's type BY VALUE (getManagedObject
// follows first fields). vcsim makes each session's instance of the
// singleton with reflect.New of the registered type, so every session gets
// a (zero, stateless) pagingCollector; the pages live in `pages`.
type pagingCollector struct {
	simulator.PropertyCollector
	lost bool // dropped by cmd=stream-drop (updates.go): calls fault
}

func installPagingCollector(ref types.ManagedObjectReference) error {
	if _, ok := simulator.Map.Get(ref).(*simulator.PropertyCollector); !ok {
		return fmt.Errorf("no *simulator.PropertyCollector at %v", ref)
	}
	pc := &pagingCollector{}
	pc.Self = ref
	simulator.Map.Put(pc)
	if simulator.Map.Get(ref) != pc {
		return fmt.Errorf("replacing %v in the registry failed", ref)
	}
	return nil
}

// pageKey names one token: session, collector, token.
type pageKey struct{ session, collector, token string }

// pageStore holds what paged retrievals have left to give.
type pageStore struct {
	mu    sync.Mutex
	left  map[pageKey]pending
	issue map[[2]string]int // (session, collector) -> next token number
}

type pending struct {
	max  int
	objs []types.ObjectContent
}

var pages = &pageStore{left: make(map[pageKey]pending), issue: make(map[[2]string]int)}

// liveSessions lists the keys of the sessions that exist. vcsim keeps them
// unexported; a throwaway Session's view of the SessionManager lists them.
func liveSessions() map[string]bool {
	s := simulator.Session{Registry: simulator.NewRegistry()}
	m, ok := s.Get(simulator.Map.SessionManager().Reference()).(*simulator.SessionManager)
	live := make(map[string]bool)
	if ok {
		for _, us := range m.SessionList {
			live[us.Key] = true
		}
	}
	return live
}

// prune forgets the tokens of sessions that ended (Logout, TerminateSession,
// idle expiry: vcsim tells nobody, so look). Called with ps.mu held.
func (ps *pageStore) prune() {
	if len(ps.issue) == 0 {
		return
	}
	live := liveSessions()
	for k := range ps.left {
		if !live[k.session] {
			delete(ps.left, k)
		}
	}
	for k := range ps.issue {
		if !live[k[0]] {
			delete(ps.issue, k)
		}
	}
}

// put stores the rest of a retrieval and returns its token.
func (ps *pageStore) put(session, collector string, p pending) string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.prune()
	k := [2]string{session, collector}
	tok := strconv.Itoa(ps.issue[k])
	ps.issue[k]++
	ps.left[pageKey{session, collector, tok}] = p
	return tok
}

// take removes and returns the rest a token stands for.
func (ps *pageStore) take(k pageKey) (pending, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, ok := ps.left[k]
	delete(ps.left, k)
	return p, ok
}

// dropCollector forgets a destroyed collector's tokens.
func (ps *pageStore) dropCollector(session, collector string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for k := range ps.left {
		if k.session == session && k.collector == collector {
			delete(ps.left, k)
		}
	}
	delete(ps.issue, [2]string{session, collector})
}

// pendingTokens counts the tokens of live sessions not yet used.
func (ps *pageStore) pendingTokens() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.prune()
	return len(ps.left)
}

// page cuts objs to max objects and keeps the rest under a new token.
func (pc *pagingCollector) page(ctx *simulator.Context, res *types.RetrieveResult, max int, objs []types.ObjectContent) {
	if max <= 0 || len(objs) <= max {
		res.Objects, res.Token = objs, ""
		return
	}
	res.Objects = objs[:max]
	res.Token = pages.put(ctx.Session.Key, pc.Self.Value, pending{max: max, objs: objs[max:]})
}

// RetrievePropertiesEx: vcsim's answer, cut to options.maxObjects. Without
// a session (vcsim lets that through, vCenter does not) nothing is paged:
// no one could continue it.
func (pc *pagingCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	atomic.AddInt64(&statRetrieve, 1)
	if asksAlarms(r) {
		atomic.AddInt64(&statAlarmReads, 1)
	}
	res := pc.PropertyCollector.RetrievePropertiesEx(ctx, r)
	body, ok := res.(*methods.RetrievePropertiesExBody)
	if !ok || body.Res == nil || body.Res.Returnval == nil || ctx.Session == nil {
		return res
	}
	max := int(r.Options.MaxObjects)
	rv := body.Res.Returnval
	if max > 0 && len(rv.Objects) > max {
		atomic.AddInt64(&statPaged, 1)
		pc.page(ctx, rv, max, rv.Objects)
	}
	return body
}

func badToken(tok string) *soap.Fault {
	atomic.AddInt64(&statTokenFaults, 1)
	return simulator.Fault(fmt.Sprintf("A specified parameter was not correct: token (%q)", tok),
		&types.InvalidArgument{InvalidProperty: "token"})
}

// ContinueRetrievePropertiesEx returns the next page; the last has no token.
func (pc *pagingCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	atomic.AddInt64(&statContinue, 1)
	body := &methods.ContinueRetrievePropertiesExBody{}
	p, ok := pages.take(pageKey{ctx.Session.Key, pc.Self.Value, r.Token})
	if !ok {
		body.Fault_ = badToken(r.Token)
		return body
	}
	body.Res = &types.ContinueRetrievePropertiesExResponse{}
	pc.page(ctx, &body.Res.Returnval, p.max, p.objs)
	return body
}

// CancelRetrievePropertiesEx discards what a token stands for.
func (pc *pagingCollector) CancelRetrievePropertiesEx(ctx *simulator.Context, r *types.CancelRetrievePropertiesEx) soap.HasFault {
	atomic.AddInt64(&statCancel, 1)
	body := &methods.CancelRetrievePropertiesExBody{}
	if _, ok := pages.take(pageKey{ctx.Session.Key, pc.Self.Value, r.Token}); !ok {
		body.Fault_ = badToken(r.Token)
		return body
	}
	body.Res = &types.CancelRetrievePropertiesExResponse{}
	return body
}

// CreatePropertyCollector makes a paging collector too (vcsim's makes a
// plain one, which would not page). The type is set first: the registry
// would name the moref after the Go type otherwise.
func (pc *pagingCollector) CreatePropertyCollector(ctx *simulator.Context, c *types.CreatePropertyCollector) soap.HasFault {
	npc := &pagingCollector{}
	npc.Self.Type = "PropertyCollector"
	ref := ctx.Session.Put(npc).Reference()
	streams.created(ctx.Session.Key, npc)
	return &methods.CreatePropertyCollectorBody{Res: &types.CreatePropertyCollectorResponse{
		Returnval: ref,
	}}
}

// DestroyPropertyCollector also forgets the collector's tokens.
func (pc *pagingCollector) DestroyPropertyCollector(ctx *simulator.Context, c *types.DestroyPropertyCollector) soap.HasFault {
	if pc.lost {
		return &methods.DestroyPropertyCollectorBody{Fault_: notFound(pc.Self)}
	}
	pages.dropCollector(ctx.Session.Key, c.This.Value)
	streams.destroyed(pc)
	return pc.PropertyCollector.DestroyPropertyCollector(ctx, c)
}
