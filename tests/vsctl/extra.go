// SPDX-License-Identifier: MIT

// More vsctl commands (see the usage text in main.go): inventory surgery
// that makes vcsim's inventory look like a production vCenter's (renames
// with vCenter's name escaping, duplicate names, destroyed VMs, hosts in
// maintenance, snapshots), a full inventory listing and a raw QueryPerf.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// escapeName escapes an entity name the way vCenter stores it
// (ManagedEntity.name): '%' first, then '/' and '\'.
func escapeName(s string) string {
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "/", "%2f")
	return strings.ReplaceAll(s, "\\", "%5c")
}

type entity struct {
	ref    types.ManagedObjectReference
	name   string
	parent *types.ManagedObjectReference
	path   string
}

type inventory struct {
	root types.ManagedObjectReference
	ents map[types.ManagedObjectReference]*entity
	byID map[string][]*entity // moref value -> entities (values are unique in practice)
}

// loadInventory reads name and parent of every managed entity under the
// root folder and computes inventory paths (/DC0/vm/DC0_H0_VM0).
func loadInventory(ctx context.Context, c *vim25.Client) (*inventory, error) {
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"ManagedEntity"}, true)
	if err != nil {
		return nil, err
	}
	defer v.Destroy(ctx)
	var content []types.ObjectContent
	if err = v.Retrieve(ctx, []string{"ManagedEntity"}, []string{"name", "parent"}, &content); err != nil {
		return nil, err
	}
	inv := &inventory{
		root: c.ServiceContent.RootFolder,
		ents: make(map[types.ManagedObjectReference]*entity, len(content)),
		byID: make(map[string][]*entity, len(content)),
	}
	for _, oc := range content {
		e := &entity{ref: oc.Obj}
		for _, p := range oc.PropSet {
			switch p.Name {
			case "name":
				e.name, _ = p.Val.(string)
			case "parent":
				if r, ok := p.Val.(types.ManagedObjectReference); ok {
					e.parent = &r
				}
			}
		}
		inv.ents[oc.Obj] = e
		inv.byID[oc.Obj.Value] = append(inv.byID[oc.Obj.Value], e)
	}
	for _, e := range inv.ents {
		e.path = inv.pathOf(e)
	}
	return inv, nil
}

func (inv *inventory) pathOf(e *entity) string {
	var parts []string
	for i := 0; e != nil && i < 1000; i++ {
		parts = append(parts, e.name)
		if e.parent == nil || *e.parent == inv.root {
			break
		}
		e = inv.ents[*e.parent]
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

// ancestor returns the nearest ancestor of e (or e itself) of one of kinds.
func (inv *inventory) ancestor(ref *types.ManagedObjectReference, kinds ...string) *entity {
	for i := 0; ref != nil && i < 1000; i++ {
		e := inv.ents[*ref]
		if e == nil {
			return nil
		}
		for _, k := range kinds {
			if e.ref.Type == k {
				return e
			}
		}
		ref = e.parent
	}
	return nil
}

func (inv *inventory) name(ref *types.ManagedObjectReference) string {
	if ref == nil {
		return ""
	}
	if e := inv.ents[*ref]; e != nil {
		return e.name
	}
	return ""
}

var (
	morefRe    = regexp.MustCompile(`^(vm|host|datacenter|datastore|resgroup|resgroup-v|clustercomputeresource|computeresource|folder|network|dvportgroup|dvs|snapshot|task)-[0-9]+$|^(domain-c|domain-s|group-[a-z]?)[0-9]+$`)
	morefTypes = map[string]string{
		"vm": "VirtualMachine", "host": "HostSystem", "datacenter": "Datacenter", "datastore": "Datastore",
		"resgroup": "ResourcePool", "resgroup-v": "VirtualApp", "clustercomputeresource": "ClusterComputeResource",
		"computeresource": "ComputeResource", "folder": "Folder", "network": "Network",
		"dvportgroup": "DistributedVirtualPortgroup", "dvs": "VmwareDistributedVirtualSwitch",
		"snapshot": "VirtualMachineSnapshot", "task": "Task", "domain-c": "ClusterComputeResource",
		"domain-s": "ComputeResource",
	}
)

// looksLikeMoref returns the ManagedObjectReference an argument such as
// vm-42, host-7, domain-c7, group-d1 stands for.
func looksLikeMoref(s string) (types.ManagedObjectReference, bool) {
	m := morefRe.FindStringSubmatch(s)
	if m == nil {
		return types.ManagedObjectReference{}, false
	}
	prefix := m[1]
	if prefix == "" {
		prefix = m[2]
	}
	t, ok := morefTypes[prefix]
	if !ok && strings.HasPrefix(prefix, "group-") {
		t, ok = "Folder", true
	}
	return types.ManagedObjectReference{Type: t, Value: s}, ok
}

// resolve maps NAME-OR-MOREF to one entity, optionally of one of kinds.
// A moref is typed from the inventory if it is there, else by its prefix
// (so a destroyed VM's moref still resolves). A name matches as given or
// as vCenter would store it (escaped); several matches are an error.
func (inv *inventory) resolve(arg string, kinds ...string) (types.ManagedObjectReference, error) {
	okKind := func(t string) bool {
		if len(kinds) == 0 {
			return true
		}
		for _, k := range kinds {
			if k == t {
				return true
			}
		}
		return false
	}
	if ref, ok := looksLikeMoref(arg); ok {
		for _, e := range inv.byID[arg] {
			if okKind(e.ref.Type) {
				return e.ref, nil
			}
		}
		if okKind(ref.Type) {
			return ref, nil
		}
	}
	var found []*entity
	esc := escapeName(arg)
	for _, e := range inv.ents {
		if (e.name == arg || e.name == esc) && okKind(e.ref.Type) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		if len(kinds) > 0 {
			return types.ManagedObjectReference{}, fmt.Errorf("no %s named %q", strings.Join(kinds, "/"), arg)
		}
		return types.ManagedObjectReference{}, fmt.Errorf("no entity named %q", arg)
	case 1:
		return found[0].ref, nil
	}
	var l []string
	for _, e := range found {
		l = append(l, fmt.Sprintf("%s (%s %s)", e.ref.Value, e.ref.Type, e.path))
	}
	sort.Strings(l)
	return types.ManagedObjectReference{}, fmt.Errorf("%q is ambiguous, use a moref: %s", arg, strings.Join(l, ", "))
}

func waitTask(ctx context.Context, t *object.Task, err error) error {
	if err != nil {
		return err
	}
	return t.Wait(ctx)
}

func needArgs(args []string, n int, usage string) error {
	if len(args) != n+1 {
		return fmt.Errorf("usage: %s %s", args[0], usage)
	}
	return nil
}

// faultName describes a SOAP fault: "Type" or "Type Obj.Type:Obj.Value".
func faultName(err error) (string, bool) {
	if !soap.IsSoapFault(err) {
		return "", false
	}
	f := soap.ToSoapFault(err).VimFault()
	if f == nil {
		return "unknown", true
	}
	t := reflect.TypeOf(f)
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	s := t.Name()
	if mnf, ok := f.(types.ManagedObjectNotFound); ok {
		s += " " + mnf.Obj.Type + ":" + mnf.Obj.Value
	} else if mnf, ok := f.(*types.ManagedObjectNotFound); ok {
		s += " " + mnf.Obj.Type + ":" + mnf.Obj.Value
	}
	return s, true
}

// resolveOne resolves one NAME-OR-MOREF argument against a fresh inventory.
func resolveOne(ctx context.Context, c *vim25.Client, arg string, kinds ...string) (types.ManagedObjectReference, error) {
	inv, err := loadInventory(ctx, c)
	if err != nil {
		return types.ManagedObjectReference{}, err
	}
	return inv.resolve(arg, kinds...)
}

func runExtra(ctx context.Context, c *vim25.Client, args []string) error {
	switch args[0] {
	case "rename":
		if err := needArgs(args, 2, "NAME-OR-MOREF NEWNAME"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[1])
		if err != nil {
			return err
		}
		t, err := object.NewCommon(c, ref).Rename(ctx, escapeName(args[2]))
		return waitTask(ctx, t, err)

	case "destroy":
		if err := needArgs(args, 1, "NAME-OR-MOREF"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[1])
		if err != nil {
			return err
		}
		if ref.Type == "VirtualMachine" {
			vm := object.NewVirtualMachine(c, ref)
			st, err := vm.PowerState(ctx)
			if err != nil {
				return err
			}
			if st != types.VirtualMachinePowerStatePoweredOff {
				t, err := vm.PowerOff(ctx)
				if err = waitTask(ctx, t, err); err != nil {
					return fmt.Errorf("power off: %v", err)
				}
			}
		}
		t, err := object.NewCommon(c, ref).Destroy(ctx)
		return waitTask(ctx, t, err)

	case "vm-create":
		// vm-create NAME HOST: a new VM on the host (its datacenter's VM
		// folder, its compute resource's pool, datastore LocalDS_0),
		// powered on; prints its moref.
		if err := needArgs(args, 2, "NAME HOST"); err != nil {
			return err
		}
		inv, err := loadInventory(ctx, c)
		if err != nil {
			return err
		}
		href, err := inv.resolve(args[2], "HostSystem")
		if err != nil {
			return err
		}
		host := object.NewHostSystem(c, href)
		pool, err := host.ResourcePool(ctx)
		if err != nil {
			return err
		}
		dcRef := inv.ents[href]
		for dcRef != nil && dcRef.ref.Type != "Datacenter" && dcRef.parent != nil {
			dcRef = inv.ents[*dcRef.parent]
		}
		if dcRef != nil && dcRef.ref.Type != "Datacenter" {
			dcRef = nil
		}
		if dcRef == nil {
			return fmt.Errorf("no datacenter above %s", args[2])
		}
		folders, err := object.NewDatacenter(c, dcRef.ref).Folders(ctx)
		if err != nil {
			return err
		}
		spec := types.VirtualMachineConfigSpec{
			Name:    escapeName(args[1]),
			GuestId: string(types.VirtualMachineGuestOsIdentifierOtherGuest),
			Files:   &types.VirtualMachineFileInfo{VmPathName: "[LocalDS_0]"},
		}
		t, err := folders.VmFolder.CreateVM(ctx, spec, pool, host)
		if err != nil {
			return err
		}
		info, err := t.WaitForResult(ctx, nil)
		if err != nil {
			return err
		}
		ref := info.Result.(types.ManagedObjectReference)
		t, err = object.NewVirtualMachine(c, ref).PowerOn(ctx)
		if err = waitTask(ctx, t, err); err != nil {
			return fmt.Errorf("power on: %v", err)
		}
		fmt.Println(ref.Value)
		return nil

	case "moref":
		if err := needArgs(args, 1, "NAME"); err != nil {
			return err
		}
		inv, err := loadInventory(ctx, c)
		if err != nil {
			return err
		}
		esc := escapeName(args[1])
		var lines []string
		for _, e := range inv.ents {
			if e.name == args[1] || e.name == esc {
				lines = append(lines, e.ref.Value+" "+e.ref.Type)
			}
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Println(l)
		}

	case "field-add":
		// field-add NAME: a custom attribute for every type; prints its key.
		if err := needArgs(args, 1, "NAME"); err != nil {
			return err
		}
		m, err := object.GetCustomFieldsManager(c)
		if err != nil {
			return err
		}
		def, err := m.Add(ctx, args[1], "", nil, nil)
		if err != nil {
			return err
		}
		fmt.Println(def.Key)

	case "field-rename":
		if err := needArgs(args, 2, "NAME NEWNAME"); err != nil {
			return err
		}
		m, err := object.GetCustomFieldsManager(c)
		if err != nil {
			return err
		}
		key, err := m.FindKey(ctx, args[1])
		if err != nil {
			return err
		}
		return m.Rename(ctx, key, args[2])

	case "field-set":
		// field-set NAME-OR-MOREF FIELD VALUE ("" unsets it)
		if err := needArgs(args, 3, "NAME-OR-MOREF FIELD VALUE"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[1])
		if err != nil {
			return err
		}
		m, err := object.GetCustomFieldsManager(c)
		if err != nil {
			return err
		}
		key, err := m.FindKey(ctx, args[2])
		if err != nil {
			return err
		}
		return m.Set(ctx, ref, key, args[3])

	case "snapshot-create":
		if err := needArgs(args, 2, "NAME-OR-MOREF SNAPNAME"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[1], "VirtualMachine")
		if err != nil {
			return err
		}
		t, err := object.NewVirtualMachine(c, ref).CreateSnapshot(ctx, args[2], "vsctl", false, false)
		return waitTask(ctx, t, err)

	case "snapshot-remove-all":
		if err := needArgs(args, 1, "NAME-OR-MOREF"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[1], "VirtualMachine")
		if err != nil {
			return err
		}
		t, err := object.NewVirtualMachine(c, ref).RemoveAllSnapshot(ctx, nil)
		return waitTask(ctx, t, err)

	case "maintenance":
		if err := needArgs(args, 2, "enter|exit HOSTNAME-OR-MOREF"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[2], "HostSystem")
		if err != nil {
			return err
		}
		h := object.NewHostSystem(c, ref)
		var t *object.Task
		switch args[1] {
		case "enter":
			t, err = h.EnterMaintenanceMode(ctx, 0, false, nil)
		case "exit":
			t, err = h.ExitMaintenanceMode(ctx, 0)
		default:
			return fmt.Errorf("usage: maintenance enter|exit HOSTNAME-OR-MOREF")
		}
		return waitTask(ctx, t, err)

	case "folder-create":
		if err := needArgs(args, 2, "PARENT-FOLDER-PATH-OR-MOREF NAME"); err != nil {
			return err
		}
		inv, err := loadInventory(ctx, c)
		if err != nil {
			return err
		}
		ref, err := inv.resolvePath(args[1], "Folder")
		if err != nil {
			return err
		}
		f, err := object.NewFolder(c, ref).CreateFolder(ctx, escapeName(args[2]))
		if err != nil {
			return err
		}
		fmt.Println(f.Reference().Value)

	case "move":
		if err := needArgs(args, 2, "NAME-OR-MOREF FOLDER-PATH-OR-MOREF"); err != nil {
			return err
		}
		inv, err := loadInventory(ctx, c)
		if err != nil {
			return err
		}
		ref, err := inv.resolve(args[1])
		if err != nil {
			return err
		}
		dst, err := inv.resolvePath(args[2], "Folder")
		if err != nil {
			return err
		}
		t, err := object.NewFolder(c, dst).MoveInto(ctx, []types.ManagedObjectReference{ref})
		return waitTask(ctx, t, err)

	case "inventory-full":
		if len(args) != 1 {
			return errors.New("usage: inventory-full")
		}
		return inventoryFull(ctx, c)

	case "queryperf":
		return queryPerf(ctx, c, args)

	case "events-read":
		return eventsRead(ctx, c, args)

	default:
		if tagCommands[args[0]] {
			return runTags(ctx, c, args)
		}
		if alarmCommands[args[0]] {
			return runAlarms(ctx, c, args)
		}
		return fmt.Errorf("unknown command %q", args[0])
	}
	return nil
}

// resolvePath maps an inventory path (/DC0/vm/sub) or a moref to an entity.
func (inv *inventory) resolvePath(arg string, kinds ...string) (types.ManagedObjectReference, error) {
	if strings.HasPrefix(arg, "/") {
		for _, e := range inv.ents {
			if e.path == strings.TrimRight(arg, "/") {
				for _, k := range kinds {
					if e.ref.Type == k {
						return e.ref, nil
					}
				}
			}
		}
		return types.ManagedObjectReference{}, fmt.Errorf("no %s at %q", strings.Join(kinds, "/"), arg)
	}
	return inv.resolve(arg, kinds...)
}

// inventoryFull prints one tab-separated line per entity of interest:
// kind moref name power connection host cluster datacenter path extra
func inventoryFull(ctx context.Context, c *vim25.Client) error {
	inv, err := loadInventory(ctx, c)
	if err != nil {
		return err
	}
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder,
		[]string{"VirtualMachine", "HostSystem"}, true)
	if err != nil {
		return err
	}
	defer v.Destroy(ctx)
	var vms, hosts []types.ObjectContent
	if err = v.Retrieve(ctx, []string{"VirtualMachine"},
		[]string{"runtime.powerState", "runtime.connectionState", "runtime.host", "snapshot"}, &vms); err != nil {
		return err
	}
	if err = v.Retrieve(ctx, []string{"HostSystem"},
		[]string{"runtime.powerState", "runtime.connectionState", "runtime.inMaintenanceMode"}, &hosts); err != nil {
		return err
	}
	props := func(oc types.ObjectContent) map[string]interface{} {
		m := make(map[string]interface{}, len(oc.PropSet))
		for _, p := range oc.PropSet {
			m[p.Name] = p.Val
		}
		return m
	}
	str := func(v interface{}) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	dcName := func(ref types.ManagedObjectReference) string {
		if dc := inv.ancestor(&ref, "Datacenter"); dc != nil {
			return dc.name
		}
		return ""
	}
	crName := func(ref *types.ManagedObjectReference) string {
		if cr := inv.ancestor(ref, "ClusterComputeResource", "ComputeResource"); cr != nil {
			return cr.name
		}
		return ""
	}
	line := func(f ...string) string { return strings.Join(f, "\t") }
	var lines []string
	for _, oc := range vms {
		p := props(oc)
		e := inv.ents[oc.Obj]
		if e == nil {
			continue
		}
		var host *types.ManagedObjectReference
		if h, ok := p["runtime.host"].(types.ManagedObjectReference); ok {
			host = &h
		}
		var hostParent *types.ManagedObjectReference
		if host != nil && inv.ents[*host] != nil {
			hostParent = inv.ents[*host].parent
		}
		extra := ""
		if s, ok := p["snapshot"].(types.VirtualMachineSnapshotInfo); ok {
			extra = "snapshots=" + strconv.Itoa(countSnapshots(s.RootSnapshotList))
		}
		lines = append(lines, line("vm", oc.Obj.Value, e.name, str(p["runtime.powerState"]),
			str(p["runtime.connectionState"]), inv.name(host), crName(hostParent), dcName(oc.Obj), e.path, extra))
	}
	for _, oc := range hosts {
		p := props(oc)
		e := inv.ents[oc.Obj]
		if e == nil {
			continue
		}
		extra := ""
		if mm, ok := p["runtime.inMaintenanceMode"].(bool); ok && mm {
			extra = "maintenance"
		}
		lines = append(lines, line("host", oc.Obj.Value, e.name, str(p["runtime.powerState"]),
			str(p["runtime.connectionState"]), e.name, crName(e.parent), dcName(oc.Obj), e.path, extra))
	}
	for _, e := range inv.ents {
		var kind, cluster string
		switch e.ref.Type {
		case "Datastore":
			kind = "datastore"
		case "ResourcePool":
			kind, cluster = "pool", crName(e.parent)
		case "ClusterComputeResource":
			kind, cluster = "cluster", e.name
		case "Datacenter":
			kind = "datacenter"
		default:
			continue
		}
		lines = append(lines, line(kind, e.ref.Value, e.name, "", "", "", cluster, dcName(e.ref), e.path, ""))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	return nil
}

func countSnapshots(l []types.VirtualMachineSnapshotTree) int {
	n := 0
	for _, s := range l {
		n += 1 + countSnapshots(s.ChildSnapshotList)
	}
	return n
}

// queryPerf: queryperf [-counters 2,6] [-instance '*'] [-interval 20]
// [-max 3] [-since SECONDS] NAME-OR-MOREF... prints
//
//	entity MOREF TYPE samples=N
//	value MOREF COUNTER INSTANCE TIMESTAMP VALUE      (one per value;
//	                                                    instance "" as "-")
//
// or, if the call faults, "fault TYPE [OBJTYPE:MOREF]" (exit status 0).
func queryPerf(ctx context.Context, c *vim25.Client, args []string) error {
	fs := flag.NewFlagSet("queryperf", flag.ContinueOnError)
	counters := fs.String("counters", "2", "comma-separated counter ids")
	instance := fs.String("instance", "*", "metric instance")
	interval := fs.Int("interval", 20, "intervalId")
	max := fs.Int("max", 3, "maxSample (0 = unset)")
	since := fs.Float64("since", 0, "startTime = now - SECONDS (0 = unset)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: queryperf [-counters 2,6] [-instance '*'] [-interval 20] [-max 3] [-since S] NAME-OR-MOREF...")
	}
	var ids []types.PerfMetricId
	for _, s := range strings.Split(*counters, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("bad counter id %q", s)
		}
		ids = append(ids, types.PerfMetricId{CounterId: int32(n), Instance: *instance})
	}
	inv, err := loadInventory(ctx, c)
	if err != nil {
		return err
	}
	req := types.QueryPerf{This: *c.ServiceContent.PerfManager}
	for _, a := range fs.Args() {
		ref, err := inv.resolve(a)
		if err != nil {
			return err
		}
		qs := types.PerfQuerySpec{Entity: ref, MaxSample: int32(*max), MetricId: ids, IntervalId: int32(*interval)}
		if *since > 0 {
			t := time.Now().Add(-time.Duration(*since * float64(time.Second)))
			qs.StartTime = &t
		}
		req.QuerySpec = append(req.QuerySpec, qs)
	}
	res, err := methods.QueryPerf(ctx, c, &req)
	if err != nil {
		if name, ok := faultName(err); ok {
			fmt.Println("fault " + name)
			return nil
		}
		return err
	}
	for _, b := range res.Returnval {
		m, ok := b.(*types.PerfEntityMetric)
		if !ok {
			fmt.Printf("entity %s %s unsupported-format\n", b.GetPerfEntityMetricBase().Entity.Value, b.GetPerfEntityMetricBase().Entity.Type)
			continue
		}
		fmt.Printf("entity %s %s samples=%d\n", m.Entity.Value, m.Entity.Type, len(m.SampleInfo))
		for _, sv := range m.Value {
			s, ok := sv.(*types.PerfMetricIntSeries)
			if !ok {
				continue
			}
			for i, x := range s.Value {
				ts := ""
				if i < len(m.SampleInfo) {
					ts = m.SampleInfo[i].Timestamp.UTC().Format(time.RFC3339Nano)
				}
				inst := s.Id.Instance
				if inst == "" {
					inst = "-" // the aggregate
				}
				fmt.Printf("value %s %d %s %s %d\n", m.Entity.Value, s.Id.CounterId, inst, ts, x)
			}
		}
	}
	return nil
}
