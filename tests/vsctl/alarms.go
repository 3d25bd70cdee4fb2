// SPDX-License-Identifier: MIT

// Triggered alarms through govmomi, to check the test vcsim's alarms
// (tests/vcsim/alarms.go) from a real client:
//
//	alarms          one line per AlarmState in any entity's
//	                triggeredAlarmState (a property read through a
//	                container view of every ManagedEntity), sorted:
//	                "HOLDER ALARM STATUS ACK ENTITY" (morefs: the object
//	                whose list holds it, the alarm, the entity it is about)
//	alarm-name ALARM...     RetrievePropertiesEx of info.name on Alarm
//	                objects: "MOREF NAME" lines, or "fault TYPE
//	                [OBJTYPE:MOREF]" (exit status 0)
//	alarm-watch NAME-OR-MOREF N   WaitForUpdatesEx (property.Wait) on the
//	                entity's triggeredAlarmState: prints "ready" once the
//	                filter is made, then one line per update, the first
//	                being the current value: "update ALARM:STATUS:ACK:ENTITY
//	                ..." ("update -" when empty); exits after N updates
//	alarm-ack NAME-OR-MOREF ALARM   AlarmManager.AcknowledgeAlarm
//	alarm-state NAME-OR-MOREF       AlarmManager.GetAlarmState: "ALARM
//	                STATUS ACK ENTITY" lines
//	alarm-list      AlarmManager.GetAlarm (root folder): "MOREF" lines
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

var alarmCommands = map[string]bool{"alarms": true, "alarm-name": true, "alarm-watch": true,
	"alarm-ack": true, "alarm-state": true, "alarm-list": true}

func ackString(b *bool) string {
	if b != nil && *b {
		return "true"
	}
	return "false"
}

func stateList(v interface{}) []types.AlarmState {
	switch x := v.(type) {
	case types.ArrayOfAlarmState:
		return x.AlarmState
	case *types.ArrayOfAlarmState:
		if x != nil {
			return x.AlarmState
		}
	case []types.AlarmState:
		return x
	}
	return nil
}

func alarmRefs(args []string) []types.ManagedObjectReference {
	var refs []types.ManagedObjectReference
	for _, a := range args {
		refs = append(refs, types.ManagedObjectReference{Type: "Alarm", Value: strings.TrimPrefix(a, "Alarm:")})
	}
	return refs
}

func runAlarms(ctx context.Context, c *vim25.Client, args []string) error {
	switch args[0] {
	case "alarms":
		v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"ManagedEntity"}, true)
		if err != nil {
			return err
		}
		defer v.Destroy(ctx)
		var content []types.ObjectContent
		if err = v.Retrieve(ctx, []string{"ManagedEntity"}, []string{"triggeredAlarmState"}, &content); err != nil {
			return err
		}
		// the root folder is no child of the view
		var rc []types.ObjectContent
		if err = property.DefaultCollector(c).Retrieve(ctx, []types.ManagedObjectReference{c.ServiceContent.RootFolder},
			[]string{"triggeredAlarmState"}, &rc); err != nil {
			return err
		}
		var lines []string
		for _, oc := range append(content, rc...) {
			for _, p := range oc.PropSet {
				for _, st := range stateList(p.Val) {
					lines = append(lines, fmt.Sprintf("%s %s %s %s %s", oc.Obj.Value, st.Alarm.Value,
						st.OverallStatus, ackString(st.Acknowledged), st.Entity.Value))
				}
			}
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Println(l)
		}

	case "alarm-name":
		if len(args) < 2 {
			return errors.New("usage: alarm-name ALARM...")
		}
		req := types.RetrievePropertiesEx{This: c.ServiceContent.PropertyCollector, SpecSet: []types.PropertyFilterSpec{{
			PropSet: []types.PropertySpec{{Type: "Alarm", PathSet: []string{"info.name"}}}}}}
		for _, r := range alarmRefs(args[1:]) {
			req.SpecSet[0].ObjectSet = append(req.SpecSet[0].ObjectSet, types.ObjectSpec{Obj: r})
		}
		res, err := methods.RetrievePropertiesEx(ctx, c, &req)
		if err != nil {
			if name, ok := faultName(err); ok {
				fmt.Println("fault " + name)
				return nil
			}
			return err
		}
		if res.Returnval == nil {
			return nil
		}
		for _, oc := range res.Returnval.Objects {
			for _, p := range oc.PropSet {
				if p.Name == "info.name" {
					fmt.Printf("%s %v\n", oc.Obj.Value, p.Val)
				}
			}
		}

	case "alarm-watch":
		if err := needArgs(args, 2, "NAME-OR-MOREF N"); err != nil {
			return err
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 1 {
			return fmt.Errorf("bad N %q", args[2])
		}
		ref, err := resolveOne(ctx, c, args[1])
		if err != nil {
			return err
		}
		pc, err := property.DefaultCollector(c).Create(ctx)
		if err != nil {
			return err
		}
		defer pc.Destroy(context.Background())
		filter := new(property.WaitFilter).Add(ref, ref.Type, []string{"triggeredAlarmState"})
		seen := 0
		fmt.Println("ready")
		os.Stdout.Sync()
		return property.WaitForUpdates(ctx, pc, filter, func(updates []types.ObjectUpdate) bool {
			for _, u := range updates {
				for _, ch := range u.ChangeSet {
					if ch.Name != "triggeredAlarmState" {
						continue
					}
					var parts []string
					for _, st := range stateList(ch.Val) {
						parts = append(parts, fmt.Sprintf("%s:%s:%s:%s", st.Alarm.Value, st.OverallStatus,
							ackString(st.Acknowledged), st.Entity.Value))
					}
					if len(parts) == 0 {
						parts = []string{"-"}
					}
					sort.Strings(parts)
					fmt.Println("update " + strings.Join(parts, " "))
					os.Stdout.Sync()
					seen++
				}
			}
			return seen >= n
		})

	case "alarm-ack":
		if err := needArgs(args, 2, "NAME-OR-MOREF ALARM"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[1])
		if err != nil {
			return err
		}
		_, err = methods.AcknowledgeAlarm(ctx, c, &types.AcknowledgeAlarm{This: *c.ServiceContent.AlarmManager,
			Alarm: alarmRefs(args[2:])[0], Entity: ref})
		return err

	case "alarm-state":
		if err := needArgs(args, 1, "NAME-OR-MOREF"); err != nil {
			return err
		}
		ref, err := resolveOne(ctx, c, args[1])
		if err != nil {
			return err
		}
		res, err := methods.GetAlarmState(ctx, c, &types.GetAlarmState{This: *c.ServiceContent.AlarmManager, Entity: ref})
		if err != nil {
			return err
		}
		for _, st := range res.Returnval {
			fmt.Printf("%s %s %s %s\n", st.Alarm.Value, st.OverallStatus, ackString(st.Acknowledged), st.Entity.Value)
		}

	case "alarm-list":
		res, err := methods.GetAlarm(ctx, c, &types.GetAlarm{This: *c.ServiceContent.AlarmManager})
		if err != nil {
			return err
		}
		for _, r := range res.Returnval {
			fmt.Println(r.Value)
		}
	}
	return nil
}
