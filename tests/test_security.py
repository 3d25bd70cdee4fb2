#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TLS, credentials and login back-off, through collectd and vcsim.

Usage: test_security.py [-k SUBSTRING] [--quick]
"""
import os
import subprocess
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim, find_metrics  # noqa: E402
from faultserver import FaultServer  # noqa: E402
from test_integration import plugin_errors, self_metric, self_value, vsphere_block, wait_cycles  # noqa: E402

VALUE = "collectd_vsphere_vm_cpu_usage_average"


def plugin_warnings(cd):
    return [l for l in cd.log_lines("warning") if "vsphere plugin" in l]


def test_tls_with_ca_cert_is_trusted():
    with Vcsim(tls=True) as vc:
        assert vc.url.startswith("https://"), vc.url
        with Collectd(vsphere_block(vc, extra='CACert "%s"' % vc.ca_file), interval=1) as cd:
            cd.wait_for_metric(VALUE, 30)
            assert not plugin_errors(cd) and not plugin_warnings(cd), cd.log()


def test_tls_untrusted_certificate_rejected_with_fix():
    with Vcsim(tls=True) as vc, Collectd(vsphere_block(vc, extra="Interval 0.3"), interval=1) as cd:
        wait_cycles(cd, 5, 30)
        errs = plugin_errors(cd)
        assert len(errs) == 1, errs
        assert "CACert" in errs[0] and "certificate" in errs[0], errs[0]
        assert not find_metrics(cd.metrics(), VALUE)
        assert vc.sessions() == 0


def test_tls_host_name_checked():
    # a certificate for another name, signed by a trusted "CA" (itself)
    with Vcsim(start=False) as vc:
        cert, key = harness.make_cert(os.path.join(vc.tmp, "other"), cn="vc.example.com",
                                      san="DNS:vc.example.com")
        vc.tls, vc.ca_file = (cert, key), cert
        vc.start()
        with Collectd(vsphere_block(vc, extra='CACert "%s"\nInterval 0.3' % cert), interval=1) as cd:
            wait_cycles(cd, 3, 30)
            errs = plugin_errors(cd)
            assert len(errs) == 1 and "127.0.0.1" in errs[0] and "VerifyHost" in errs[0], errs
            assert not find_metrics(cd.metrics(), VALUE)


def test_verify_peer_false_works_and_warns_once():
    with Vcsim(tls=True) as vc, \
            Collectd(vsphere_block(vc, extra="VerifyPeer false\nVerifyHost false\nInterval 0.3"), interval=1) as cd:
        cd.wait_for_metric(VALUE, 30)
        wait_cycles(cd, 5, 30)
        warns = [w for w in plugin_warnings(cd) if "verification is off" in w]
        assert len(warns) == 1, plugin_warnings(cd)


def test_password_file_fixed_is_picked_up():
    """A refused PasswordFile that is then fixed is tried at the next read,
    not after the back-off (which is minutes)."""
    with Vcsim(password="good") as vc:
        path = os.path.join(vc.tmp, "pass")
        with open(path, "w") as f:
            f.write("bad\n")
        os.chmod(path, 0o600)
        conf = vsphere_block(vc, password="", extra='PasswordFile "%s"\nInterval 0.5' % path)
        with Collectd(conf, interval=1) as cd:
            cd.wait_for(lambda: plugin_errors(cd), 30, what="login refused")
            with open(path, "w") as f:
                f.write("good\n")
            t = time.monotonic()
            cd.wait_for_metric(VALUE, 20)
            assert time.monotonic() - t < 10, "fixed file not tried at the next read"
            assert self_value(cd, "logins") == 1 and self_value(cd, "login_refusals") == 1
            # recovery is logged after two clean reads
            cd.wait_for(lambda: "collecting again" in cd.log(), 10, what="recovery logged")
            assert "good" not in cd.log() and "bad" not in cd.log().replace("bad response", "")


def test_password_file_symlink_followed_world_writable_refused():
    """Secret mounts are symlinks: followed. A target anyone may write is
    refused: at start, as a configuration error naming the option, the
    block and the fix; at run time (it became writable), at the next
    login, with an error that says so."""
    with Vcsim(password="pw1") as vc:
        target = os.path.join(vc.tmp, "secret")
        link = os.path.join(vc.tmp, "pass-link")
        with open(target, "w") as f:
            f.write("pw1\n")
        os.chmod(target, 0o600)
        os.symlink(target, link)
        conf = vsphere_block(vc, password="", extra='PasswordFile "%s"\nInterval 0.3' % link)
        with Collectd(conf, interval=1) as cd:
            cd.wait_for_metric(VALUE, 30)
            os.chmod(target, 0o666)
            vc.terminate_sessions()           # the next login reads the file
            cd.wait_for(lambda: plugin_errors(cd), 30, what="the refusal")
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            errs = plugin_errors(cd)
            assert len(errs) == 1 and "writable by every user" in errs[0], errs
            assert self_value(cd, "logins") == 1 and vc.sessions() == 0
        rc, out = harness.run_collectd_test_config(conf)
        assert rc != 0 and "PasswordFile" in out and '<Vcenter "sim">' in out \
            and "writable by every user" in out, out


def test_world_readable_password_file_warns():
    with Vcsim(password="pw1") as vc:
        path = os.path.join(vc.tmp, "pass")
        with open(path, "w") as f:
            f.write("pw1")
        os.chmod(path, 0o644)
        with Collectd(vsphere_block(vc, password="", extra='PasswordFile "%s"' % path), interval=1) as cd:
            cd.wait_for_metric(VALUE, 30)
            warns = [w for w in plugin_warnings(cd) if "readable by every user" in w]
            assert len(warns) == 1, plugin_warnings(cd)


def test_password_never_in_logs_or_process_list():
    secret = "Zq9-very-secret"
    with Vcsim(password=secret) as vc, Collectd(vsphere_block(vc, extra="Interval 0.3"), interval=1,
                                               log_level="debug") as cd:
        cd.wait_for_metric(VALUE, 30)
        vc.terminate_sessions()  # forces a second login
        cd.wait_for(lambda: self_metric(cd, "logins") == 2, 30, what="re-login")
        # without the sanitizer preload of the ASan runs (ps hangs under it)
        ps = subprocess.run(["ps", "-eo", "args"], stdout=subprocess.PIPE, text=True, check=True,
                            env=harness._child_env(), timeout=30).stdout
        collectd_lines = [l for l in ps.splitlines() if "collectd" in l]
        assert not [l for l in collectd_lines if secret in l], collectd_lines
        assert secret not in cd.log() and secret not in cd.output()


def login_attempts(fs):
    return fs.count("operations", "pass Login")


def test_login_lockout_safe():
    """A refused password held for three minutes. vCenter SSO locks an
    account after 5 failures in 180 s: the plugin never makes more than 3
    Login attempts in any 180 s window. Schedule: refused at 0 s; the
    back-off tries again at 60 s; a changed PasswordFile is tried at the
    next read (70 s); the right password, written at 80 s, still waits for
    the window (3 refusals in the last 180 s) and logs in at 180 s."""
    with Vcsim(password="right") as vc, FaultServer(vc.url) as fs:
        path = os.path.join(vc.tmp, "pass")

        def write(pw):
            with open(path, "w") as f:
                f.write(pw + "\n")
            os.chmod(path, 0o600)
        write("wrong1")
        target = types.SimpleNamespace(url=fs.url, user=vc.user, password="")
        conf = vsphere_block(target, extra='PasswordFile "%s"\nInterval 0.5' % path)
        with Collectd(conf, interval=1) as cd:
            attempts = []   # seconds since the first attempt
            t0 = None
            steps = {70: "wrong2", 80: "right"}
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                n = login_attempts(fs)
                now = time.monotonic()
                while len(attempts) < n:
                    t0 = now if t0 is None else t0
                    attempts.append(now - t0)
                if t0 is not None:
                    for at in sorted(steps):
                        if now - t0 >= at:
                            write(steps.pop(at))
                if self_metric(cd, "logins") == 1:
                    break
                time.sleep(0.2)
            log = ", ".join("%.1f" % a for a in attempts)
            print("  Login attempts at %s s; logins %s" % (log, self_metric(cd, "logins")),
                  file=sys.stderr)
            assert self_metric(cd, "logins") == 1, "never logged in: attempts at " + log
            for i, a in enumerate(attempts):
                in_window = [b for b in attempts if a <= b < a + 180]
                assert len(in_window) <= 3, "%d Login attempts within 180 s from %.1f s: %s" % (
                    len(in_window), a, log)
            want = [0, 60, 70, 180]
            assert len(attempts) == len(want), log
            for got, w in zip(attempts, want):
                assert abs(got - w) < 4, "attempts at %s s, want about %s" % (log, want)
            assert self_value(cd, "login_refusals") == 3
            # one error line for the refused password, whatever the count
            errs = plugin_errors(cd)
            assert len(errs) == 1 and "refused" in errs[0] and "at most 3" in errs[0], errs
            cd.wait_for(lambda: "collecting again" in cd.log(), 10, what="recovery logged")


ALL = [
    test_tls_with_ca_cert_is_trusted,
    test_tls_untrusted_certificate_rejected_with_fix,
    test_tls_host_name_checked,
    test_verify_peer_false_works_and_warns_once,
    test_password_file_fixed_is_picked_up,
    test_world_readable_password_file_warns,
    test_password_never_in_logs_or_process_list,
    test_password_file_symlink_followed_world_writable_refused,
    test_login_lockout_safe,
]
LONG = {test_password_file_fixed_is_picked_up, test_login_lockout_safe}



if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
