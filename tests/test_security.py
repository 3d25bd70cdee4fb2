#!/usr/bin/env python3
"""TLS, credentials and login back-off, through collectd and vcsim.

Usage: test_security.py [-k SUBSTRING] [--quick]
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim, find_metrics  # noqa: E402
from test_integration import plugin_errors, self_metric, vsphere_block, wait_cycles  # noqa: E402

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
            # the first back-off step is 10 s
            cd.wait_for_metric(VALUE, 40)
            assert self_metric(cd, "logins") == 1
            assert "collecting again" in cd.log()
            assert "good" not in cd.log() and "bad" not in cd.log().replace("bad response", "")


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


def test_logins_back_off_exponentially():
    with Vcsim(password="right") as vc, \
            Collectd(vsphere_block(vc, password="wrong", extra="Interval 0.5"), interval=1) as cd:
        # attempts at ~0 s, ~10 s, ~30 s: within 25 s RetrieveServiceContent
        # and two Login requests, whatever the 50 reads meanwhile
        wait_cycles(cd, 2, 30)
        assert self_metric(cd, "requests") == 2
        time.sleep(23)
        assert self_metric(cd, "read_cycles") > 40
        assert self_metric(cd, "requests") == 3, self_metric(cd, "requests")
        # logged once, with the first back-off step
        errs = plugin_errors(cd)
        assert len(errs) == 1 and "next attempt in 10 s" in errs[0], errs
        assert cd.alive()


ALL = [
    test_tls_with_ca_cert_is_trusted,
    test_tls_untrusted_certificate_rejected_with_fix,
    test_tls_host_name_checked,
    test_verify_peer_false_works_and_warns_once,
    test_password_file_fixed_is_picked_up,
    test_world_readable_password_file_warns,
    test_password_never_in_logs_or_process_list,
    test_logins_back_off_exponentially,
]
LONG = {test_password_file_fixed_is_picked_up, test_logins_back_off_exponentially}



if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
