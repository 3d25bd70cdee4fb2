// SPDX-License-Identifier: MIT

// vcsim: a vCenter simulator for collectd-vsphere tests, built on govmomi's
// simulator.VPX() model (govmomi 0.24, GOPATH mode; see tests/build-go.sh).
//
// Inventory produced by the flags (per the model's Create()):
//
//	hosts = dc * (host + cluster*cluster-host)
//	VMs   = dc * (host + cluster) * vm
//
// i.e. -vm VMs go on every standalone host and into the root pool
// ("Resources") of every cluster; the -pool extra child pools are EMPTY.
// Example: -dc 1 -cluster 10 -cluster-host 18 -host 0 -vm 1000 = 180 hosts,
// 10,000 VMs. Names: DC0_H0, DC0_H0_VM0, DC0_C0_H0, DC0_C0_RP0_VM0, ...
// All VMs are powered on (Model.Autostart, default true in VPX()).
// The model writes a few files per VM into temp datastore dirs under $TMPDIR
// (removed on clean exit); point TMPDIR at tmpfs for big inventories.
//
// Closer to a production vCenter than stock vcsim (perf.go, control.go and
// the files named below):
//   - QueryPerf is strict: if any querySpec names an entity that no longer
//     exists (e.g. a VM destroyed after discovery) the whole call faults
//     with ManagedObjectNotFound naming it (stock vcsim invents samples).
//   - A host set "disconnected"/"notResponding" through /vcsim-control makes
//     QueryPerf for it or its VMs fault (HostNotConnected/HostNotReachable),
//     and its VMs show runtime.connectionState "disconnected".
//   - A "slow" host delays every QueryPerf call that includes it or its VMs;
//     a "lag" withholds the newest samples of an entity type (late
//     historical samples); a time window with startTime >= endTime yields an
//     entity without samples (startTime is exclusive) instead of a bogus
//     sample or a panic.
//   - QueryPerf answers keep samples that are 0 (stock vcsim's encoder
//     leaves each one out: values shift onto the wrong timestamps and a
//     counter that is 0 for a while, or has no sample table, disappears).
//   - -max-query-metrics N sets the OptionManager (VpxSettings) option
//     config.vpxd.stats.maxQueryMetrics to N (xsd:int) and, for N >= 0,
//     QueryPerf refuses a call whose historical specs (intervalId other
//     than 20, or none for an entity without realtime stats) ask for more
//     than N metrics (entity x metricId pairs; instance "*" counts once; a
//     spec without metricId counts the whole catalog) with vCenter's
//     InvalidArgument fault "This operation is restricted by the
//     administrator - 'vpxd.stats.maxQueryMetrics'. ...". N = -1 sets the
//     option to "unlimited". The live option is read on every call, so
//     UpdateOptions changes (or, without the flag, sets) the bound. Without
//     the flag the option is absent (QueryOptions: InvalidName) and nothing
//     is bounded.
//   - Historical QueryPerf (history.go): for a spec asking a historical
//     interval (intervalId other than 20, or none for an entity without
//     realtime stats) maxSample is ignored ("is ignored for historical
//     statistics"); without startTime the answer holds everything the
//     interval retains (300 s "Past day": one sample per 300 s boundary in
//     (now-86400, now]); startTime is exclusive, endTime inclusive; samples
//     sit on whole multiples of the sampling period since the epoch (whole
//     seconds), oldest first; an intervalId that names no interval faults
//     with InvalidArgument. Values come from vcsim's sample tables, with a
//     noise that depends on entity, counter and sample time only, so a
//     sample keeps its value from one query to the next. Realtime (20 s)
//     answers are vcsim's own (relative to the query, newest first).
//   - Statistics levels (history.go): PerformanceManager.historicalInterval
//     lists vCenter's four default intervals (keys 1..4, 300/1800/7200/
//     86400 s, "Past day"/"Past week"/"Past month"/"Past year", kept
//     86400/604800/2592000/31536000 s, level 1, enabled; vcsim: none).
//     -stats-level N (1..4) or cmd=stats-level sets the 300 s interval's
//     level. A historical answer has no series for a counter whose catalog
//     level is above the interval's (vCenter never collects it), nor for
//     one the catalog lacks; realtime answers know no levels.
//   - Property collector paging (props.go): RetrievePropertiesEx answers at
//     most options.maxObjects objects and a token ("0", "1", ... per
//     session and collector, written before the objects as vCenter does);
//     ContinueRetrievePropertiesEx(token) gives the next page (the last
//     without token), CancelRetrievePropertiesEx(token) drops the rest. A
//     token is good once, in the session and on the collector that issued
//     it (else InvalidArgument, invalidProperty "token"); a session's
//     tokens end with it (Logout, TerminateSession, idle expiry).
//   - Per-entity faults (faults.go): cmd=entity-fault makes every QueryPerf
//     call whose specs include the entity fail as a whole with the SOAP
//     fault asked for (SystemError, InvalidArgument, NotSupported, ...).
//   - Catalog drift (catalog.go): cmd=counter-add appends a counter to
//     PerformanceManager.perfCounter (QueryPerfCounter knows it too);
//     cmd=extra-counter makes every realtime answer for an entity type
//     carry one more series (counter id, instance "") whether or not the
//     catalog lists it, as hosts added later or vSAN ESA hosts do.
//   - vCenter's clock (clock.go): -clock-offset DURATION or cmd=clock-offset
//     moves ServiceInstance.CurrentTime and the "now" of every QueryPerf
//     answer (realtime and historical timestamps, windows, lag). The SDK is
//     served on -listen through a front handler for that; vcsim's own
//     listener sits on a loopback port nobody is told about.
//   - The update stream (updates.go): private collectors and their filters
//     are counted per live session (stats); a host's maintenance mode,
//     which vcsim changes without telling its property collectors, is
//     reported to them as vCenter does.
//   - The REST API (rest.go): govmomi's vapi simulator (tags) on /rest,
//     with the login checked against -user/-password, a login status to
//     impose and sessions to kill for tests, and REST session accounting.
//   - Events (events.go): every event vcsim posts is kept (200,000 at
//     least, not 1000) with its real key; event history collectors follow
//     new events in key order (ReadNextEvents), honour the filter's time,
//     eventTypeId (EventEx by its eventTypeId), userName, category,
//     chain and entity, belong to their session (32 at most, gone with
//     it) and fault with ManagedObjectNotFound once destroyed; events can
//     be posted through /vcsim-control (event-post, event-burst) and
//     listed (events); createdTime follows vCenter's clock.
//   - Alarms (alarms.go): Alarm objects (alarm-N, info.name readable
//     through the property collector, ManagedObjectNotFound once deleted),
//     an AlarmManager (GetAlarm, GetAlarmState, AcknowledgeAlarm), and
//     triggered alarms set through /vcsim-control (alarm-define, alarm-set,
//     alarm-delete): the same AlarmState in the entity's
//     triggeredAlarmState and in its containers' (parents up to the root
//     folder; a VM's resource pools and host too), every change reported
//     to the property collectors, AlarmStatusChangedEvent and
//     AlarmAcknowledgedEvent posted.
//   - GET/POST /vcsim-control?cmd=... (see control.go) drives all this.
//   - Unchanged, and checked by the self-checks: GET
//     /sdk/vimServiceVersions.xml (urn:vim25, version 6.5, prior versions
//     6.0 and 5.5).
//
// What vcsim (0.24) still forgives or does differently from vCenter:
//   - SOAP bodies are decoded by Go's encoding/xml: child element order is
//     not checked against the WSDL, morefs without their type attribute and
//     polymorphic elements without xsi:type are accepted; no 500,000-element
//     request cap; unknown elements are ignored.
//   - QueryPerf ignores format (always "normal", never csv). Realtime
//     answers return samples newest first (vCenter: oldest first), stamped
//     relative to the moment of the query instead of on 20 s boundaries,
//     for any entity (realtime 20 s for clusters/datastores too), with
//     zeros for unknown counter ids, and treat maxSample 0/absent as "no
//     samples". Any answer echoes a metricId instance as one series
//     (instance "*" does not expand to per-instance series), a spec
//     without metricId gets no series (vCenter: every available metric),
//     and -1 ("no data yet") is never sent. Only the 300 s interval's
//     level can be changed (no UpdatePerfInterval).
//     config.vpxd.stats.maxQueryMetrics is enforced only with
//     -max-query-metrics (vCenter: 64 before 6.5, 256 from 6.5 when unset).
//   - CurrentTime needs a session (vCenter answers it without one);
//     ServiceInstance.serverClock is not set; the clock offset moves no
//     other time but events' (tasks, session login times).
//   - Entity names are stored raw: '/', '\' and '%' are not escaped to %2f,
//     %5c, %25 (tests/vsctl "rename" escapes them itself); the 80-character
//     limit is not enforced; hosts cannot be renamed (no Rename_Task).
//   - No session cap, no SSO lockout after failed logins; sessions never
//     expire unless -idle-timeout is given; no empty RetrievePropertiesEx
//     answers or missingSet/NotAuthenticated (tests/faultserver.py injects
//     those).
//   - Real-time samples are one per entity and instance as the model has
//     them: far fewer instances (CPUs, LUNs, NICs) than real hardware.
//   - Events (events.go): fullFormattedMessage comes from vcsim's
//     templates (a few types) or is made up ("TYPE on NAME"), not from
//     vCenter's catalog; of the events building a big model made, only
//     vcsim's last 1000 are kept; the filter's alarm, scheduledTask and
//     tag are ignored; a fault for an unknown collector carries vcsim's
//     faultstring ("managed object not found: ..."); no
//     EventHistoryCollector.initialized, RetrieveArgumentDescription.
//   - Alarms (alarms.go) are set through /vcsim-control, not evaluated: no
//     alarm engine (an alarm's expression is an empty "or"), none of
//     vCenter's predefined alarms, all defined on the root folder (GetAlarm
//     of another entity: none); no CreateAlarm, ReconfigureAlarm,
//     SetAlarmStatus, ClearTriggeredAlarms, EnableAlarm/DisableAlarm,
//     alarm actions; an entity's overallStatus does not follow its
//     triggered alarms; AlarmState.eventKey and .disabled are never set.
//     Every change of an AlarmState is reported to the update streams,
//     overallStatus changes too (vCenter's reference says it "might not
//     generate property collector update notifications" for
//     AlarmState.overallStatus after API 5.0). A deleted alarm's states
//     stay until set to none. A VM's states stay on its former containers
//     after it moves, until its alarm is set again. Which containers show
//     a VM's alarm (parents up to the root folder, its resource pools,
//     cluster and host) follows the vSphere Client's views; vCenter's
//     exact set is not documented.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

var model *simulator.Model // for cleanup of its temp datastore dirs

func fatal(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+format+"\n", a...)
	if model != nil {
		model.Remove()
	}
	os.Exit(1)
}

// newServer wraps NewServer, which panics if the address cannot be bound.
func newServer(m *simulator.Model) (s *simulator.Server) {
	defer func() {
		if r := recover(); r != nil {
			fatal("cannot listen on %s: %v", m.Service.Listen.Host, r)
		}
	}()
	return m.Service.NewServer()
}

// optInt32 is an int flag that remembers whether it was given.
type optInt32 struct {
	set bool
	v   int32
}

func (o *optInt32) String() string {
	if o == nil || !o.set {
		return "not set"
	}
	return strconv.FormatInt(int64(o.v), 10)
}

func (o *optInt32) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return fmt.Errorf("not a 32-bit integer")
	}
	o.set, o.v = true, int32(n)
	return nil
}

func main() {
	var maxQuery optInt32
	flag.Var(&maxQuery, "max-query-metrics", "set OptionManager config.vpxd.stats.maxQueryMetrics to `N` (int) and refuse historical QueryPerf calls over N metrics like vCenter (-1 = unlimited; default: option absent, no bound)")
	level := flag.Int("stats-level", 1, "statistics level `N` (1..4) of the 300 s historical interval, as vCenter's statistics settings")
	offset := flag.Duration("clock-offset", 0, "vCenter's clock runs this far ahead of this machine's (negative: behind), e.g. 90s or -2h")
	listen := flag.String("listen", "127.0.0.1:0", "host:port to listen on (loopback only; port 0 = any free port)")
	dc := flag.Int("dc", 1, "number of datacenters")
	cluster := flag.Int("cluster", 1, "clusters per datacenter")
	clusterHost := flag.Int("cluster-host", 3, "hosts per cluster")
	host := flag.Int("host", 1, "standalone hosts per datacenter")
	vm := flag.Int("vm", 2, "VMs per standalone host and per cluster root resource pool")
	pool := flag.Int("pool", 0, "extra (empty) child resource pools per cluster")
	user := flag.String("user", "user", "user name required for Login")
	password := flag.String("password", "pass", "password required for Login")
	certFile := flag.String("tls-cert", "", "serve HTTPS with this PEM certificate (requires -tls-key)")
	keyFile := flag.String("tls-key", "", "PEM private key for -tls-cert")
	idle := flag.Duration("idle-timeout", 0, "expire sessions idle for this long (0 = never)")
	urlFile := flag.String("url-file", "", "write the SDK URL to this file once listening")
	restOn := flag.Bool("rest", true, "serve the REST API (/rest, tags: rest.go); false: /rest answers 404 as ESXi or a vCenter before 6.5")
	flag.Parse()

	h, _, err := net.SplitHostPort(*listen)
	if err != nil {
		fatal("bad -listen %q: %v", *listen, err)
	}
	if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
		fatal("-listen must be a loopback IP address, got %q", h)
	}
	if (*certFile == "") != (*keyFile == "") {
		fatal("-tls-cert and -tls-key must be given together")
	}

	start := time.Now()
	simulator.SessionIdleTimeout = *idle
	m := simulator.VPX()
	model = m
	m.Autostart = true
	m.Datacenter, m.Cluster, m.ClusterHost = *dc, *cluster, *clusterHost
	m.Host, m.Machine, m.Pool = *host, *vm, *pool
	if err = m.Create(); err != nil {
		fatal("creating model: %v", err)
	}
	defer m.Remove()

	// A fresh *url.Userinfo (never simulator.DefaultLogin itself) makes
	// validLogin() require exactly these credentials; otherwise any
	// non-empty user/password would be accepted.
	//
	// vcsim's own listener takes any free loopback port and is named to no
	// one: clients use the front listener on -listen (clock.go), which
	// serves the same handlers.
	m.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*user, *password)}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fatal("loading TLS keypair: %v", err)
		}
		m.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if err = installStrictPerfManager(*m.ServiceContent.PerfManager); err != nil {
		fatal("%v", err)
	}
	if err = perfMgr.setStatsLevel(int32(*level)); err != nil {
		fatal("-stats-level: %v", err)
	}
	if err = setClockOffset(*offset); err != nil {
		fatal("-clock-offset: %v", err)
	}
	if err = installPagingCollector(m.ServiceContent.PropertyCollector); err != nil {
		fatal("%v", err)
	}
	installDatastoreIDs()
	indexDatastoreCounters(&perfMgr.PerformanceManager)
	installSensors()
	if err = installNotifyingFields(m.ServiceContent.CustomFieldsManager); err != nil {
		fatal("%v", err)
	}
	if err = installEvents(); err != nil {
		fatal("%v", err)
	}
	if err = installAlarms(m.ServiceContent.AlarmManager); err != nil {
		fatal("%v", err)
	}
	if err = findVpxSettings(); err != nil {
		fatal("%v", err)
	}
	if maxQuery.set {
		if err = setMaxQueryMetrics(maxQuery.v); err != nil {
			fatal("%v", err)
		}
	}
	go watchMaintenance()
	m.Service.HandleFunc(controlPath, controlHandler)
	m.Service.RegisterEndpoints = *restOn
	s := newServer(m)
	restSetup(m.Service.ServeMux, *user, *password)
	front, err := startFront(*listen, newRestFront(m.Service.ServeMux), m.Service.TLS)
	if err != nil {
		fatal("cannot listen on %s: %v", *listen, err)
	}
	retarget(m, s.URL.Host, front.ln.Addr().String())

	u := *s.URL
	u.User = nil
	u.Host = front.ln.Addr().String()
	count := m.Count()
	fmt.Fprintf(os.Stderr, "vcsim: %d datacenters, %d clusters, %d hosts, %d VMs, %d resource pools; ready in %.2fs\n",
		count.Datacenter, count.Cluster, count.Host, count.Machine, count.Pool, time.Since(start).Seconds())

	if *urlFile != "" {
		tmp := filepath.Join(filepath.Dir(*urlFile), "."+filepath.Base(*urlFile)+".tmp")
		if err = os.WriteFile(tmp, []byte(u.String()+"\n"), 0o644); err == nil {
			err = os.Rename(tmp, *urlFile)
		}
		if err != nil {
			fatal("writing url file: %v", err)
		}
	}
	fmt.Println(u.String())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	got := <-sig
	fmt.Fprintf(os.Stderr, "vcsim: %v, shutting down\n", got)

	done := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = front.srv.Shutdown(ctx)
		s.Close()
		close(done)
	}()
	select { // both wait for in-flight requests; do not hang on them
	case <-done:
	case <-time.After(6 * time.Second):
		fmt.Fprintln(os.Stderr, "vcsim: timed out waiting for requests, exiting anyway")
	}
}

// retarget points what vcsim tells clients about its address (the
// SessionManager's service host name, guest operation URLs, URIs in the
// OptionManager) from its own listener to the front one.
func retarget(m *simulator.Model, from, to string) {
	simulator.Map.SessionManager().ServiceHostName = to
	m.Service.Listen.Host = to
	om := simulator.Map.OptionManager()
	simulator.Map.WithLock(om, func() {
		for _, o := range om.Setting {
			ov := o.GetOptionValue()
			if v, ok := ov.Value.(string); ok && strings.Contains(v, from) {
				ov.Value = strings.ReplaceAll(v, from, to)
			}
		}
	})
}
