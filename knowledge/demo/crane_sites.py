"""Demo lives of cranes on sites: installation notices on the demo's crane-installation works, the inspection (and a
re-inspection after a failure), the joint acceptance with its four signatures, the use registration within 30 days
with its sign, maintenance records, and the dismantling notice before the machine moves to its next site.

A machine's installations follow each other (one open at a time, as the partial unique index holds), every
acceptance rests on a passing report, and every report lies in the window (the last 18 months) and before today.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from knowledge.cranes.inspection_models import Conclusion
from knowledge.cranes.machines import MachineType
from knowledge.cranes.models import CertificateKind
from knowledge.cranes.site_acceptance import format_use_number
from knowledge.cranes.site_models import AcceptanceParty, RecordKind
from knowledge.demo.crane_reports import INSPECTED_TYPES, BodyProfile, ReportDraft, ReportWriter, new_code
from knowledge.regions import City

Rows = dict[str, list[dict[str, Any]]]
SIGNERS = ("王建军", "李海峰", "张志明", "刘国庆", "陈立新", "杨晓东", "赵文华", "黄伟", "周建平", "吴振宇")
POSITIONS = ("1#楼北侧", "2#楼东侧", "3#楼南侧", "地下室西侧", "主楼中部", "裙楼东南角")
MAINTENANCE = ("月度维护保养：钢丝绳润滑、紧固件检查、限位器校验", "维护保养：制动器调整、电气线路检查",
               "例行保养：减速机换油、标准节螺栓紧固")  # fmt: skip
FAULTS = ("起升限位器失灵，已更换", "回转制动器打滑，已调整", "变频器报警停机，已复位检修")


@dataclass(frozen=True)
class Site:
    """A crane-installation work (起重机械安装拆卸工程) of a demo project, with the parties who accept there."""

    work_id: int
    project_id: int
    city: City
    user_id: int  # the general contractor: 使用单位
    supervisor_id: int


@dataclass(frozen=True)
class Installer:
    enterprise_id: int
    qualification_id: int
    city: City


@dataclass(frozen=True)
class CraneLife:
    """A registered machine as the timeline needs it: ``registration_id`` is the ownership registration in force."""

    machine_id: int
    machine_type: MachineType
    owner_id: int
    city: City
    registered_on: date
    registration_id: int


class Timelines:
    """Writes each machine's installations in turn into ``rows``, with ids from ``next_id``."""

    def __init__(
        self, rng: random.Random, *, today: date, window_start: date, sites: Sequence[Site],
        installers: Sequence[Installer], own_installers: dict[int, Installer], bodies: Sequence[BodyProfile],
        writer: ReportWriter, signer: Callable[[int], int], next_id: Callable[..., int], codes: set[str],
        registration_of: dict[int, int],
    ) -> None:  # fmt: skip
        self.rng, self.today, self.window_start = rng, today, window_start
        self.sites, self.installers, self.own_installers = sites, installers, own_installers
        self.writer, self.signer, self.next_id, self.codes = writer, signer, next_id, codes
        self.registration_of = registration_of  # machine id -> the ownership registration in force
        self.sites_in: dict[City, list[Site]] = defaultdict(list)
        for site in sites:
            self.sites_in[site.city].append(site)
        self.bodies = list(bodies)
        self.bodies_in: dict[City, list[BodyProfile]] = defaultdict(list)
        self.body_city: dict[int, City] = {}
        self.use_serials: dict[tuple[City, int], int] = defaultdict(int)
        self.rows: Rows = defaultdict(list)

    def place_bodies(self, cities: dict[int, City]) -> None:
        for body in self.bodies:
            self.bodies_in[cities[body.body_id]].append(body)

    def live(self, crane: CraneLife) -> None:
        """The machine's installations from the window's start (or its registration) until today."""
        if crane.machine_type not in INSPECTED_TYPES or not self.sites:
            return
        cursor = max(crane.registered_on + timedelta(days=self.rng.randint(3, 30)),
                     self.window_start + timedelta(days=self.rng.randint(0, 90)))  # fmt: skip
        while cursor < self.today - timedelta(days=7):
            end = self.install(crane, cursor)
            if end is None:
                return
            cursor = end + timedelta(days=self.rng.randint(10, 60))

    def _site(self, crane: CraneLife) -> Site:
        local = self.sites_in.get(crane.city)
        return self.rng.choice(local if local and self.rng.random() < 0.7 else self.sites)

    def _installer(self, crane: CraneLife, site: Site) -> Installer:
        own = self.own_installers.get(crane.owner_id)
        if own is not None and self.rng.random() < 0.6:
            return own  # 一体化: the lessor installs its own machine
        local = [i for i in self.installers if i.city is site.city]
        return self.rng.choice(local or list(self.installers))

    def _body(self, site: Site) -> BodyProfile:
        local = self.bodies_in.get(site.city)
        return self.rng.choice(local if local and self.rng.random() < 0.6 else self.bodies)

    def install(self, crane: CraneLife, notified: date) -> date | None:
        """One installation from its notice; the day it ended, or None while it is still on the site."""
        site, rng = self._site(crane), self.rng
        installer = self._installer(crane, site)
        maintainer = crane.owner_id if installer.enterprise_id == crane.owner_id else installer.enterprise_id
        planned = notified + timedelta(days=rng.randint(3, 7))
        installation = {
            "id": self.next_id("crane_installation"), "machine_id": crane.machine_id, "project_id": site.project_id,
            "work_id": site.work_id, "city": site.city, "installer_id": installer.enterprise_id,
            "qualification_id": installer.qualification_id, "user_id": site.user_id, "lessor_id": crane.owner_id,
            "supervisor_id": site.supervisor_id, "maintainer_id": maintainer, "notified_on": notified,
            "planned_install_on": planned, "position": rng.choice(POSITIONS), "ended_on": None,
            "notified_by": self.signer(installer.enterprise_id), "created_at": _at(notified),
        }  # fmt: skip
        self.rows["crane_installation"].append(installation)
        passed = self.inspect(
            crane, installation["id"], self._body(site), planned + timedelta(days=rng.randint(2, 6))
        )
        if passed is None:
            return None
        accepted = self.accept(installation, passed)
        if accepted is None:
            return None
        end = accepted + timedelta(days=rng.randint(80, 230))
        self.maintain(installation, accepted, min(end, self.today))
        if end >= self.today:
            return None
        installation["ended_on"] = end
        self.rows["crane_dismantling"].append({
            "id": self.next_id("crane_dismantling"), "installation_id": installation["id"],
            "installer_id": installer.enterprise_id, "qualification_id": installer.qualification_id,
            "work_id": site.work_id, "notified_on": end - timedelta(days=3), "planned_on": end,
            "notified_by": self.signer(installer.enterprise_id), "created_at": _at(end - timedelta(days=3)),
        })  # fmt: skip
        return end

    def inspect(
        self, crane: CraneLife, installation_id: int, body: BodyProfile, wanted: date
    ) -> dict[str, Any] | None:
        """The inspection, and its re-inspection when it failed: the passing report, or None if none yet."""
        draft = ReportDraft(crane.machine_id, crane.machine_type, installation_id, body, wanted)
        report = self._report(draft, must_pass=False)
        if report is not None and report["conclusion"] is Conclusion.FAIL:
            wanted = report["published_on"] + timedelta(days=self.rng.randint(4, 10))
            retest = ReportDraft(
                crane.machine_id, crane.machine_type, installation_id, body, wanted, report["id"]
            )
            report = self._report(retest, must_pass=True)
        return report

    def _report(self, draft: ReportDraft, *, must_pass: bool) -> dict[str, Any] | None:
        items = self.rows["crane_inspection_item"]
        count = len(self.writer.checklists[draft.machine_type].items)
        report = self.writer.write(self.next_id("crane_inspection_report"), draft, must_pass=must_pass, items=items,
                                   first_item_id=self.next_id("crane_inspection_item", count))  # fmt: skip
        if report is not None:
            self.rows["crane_inspection_report"].append(report)
        return report

    def accept(self, installation: dict[str, Any], report: dict[str, Any]) -> date | None:
        """The joint acceptance on the passing report, its four signatures and, within 30 days, the use
        registration with its sign; the acceptance day, or None when it would fall after today."""
        rng = self.rng
        opened = report["published_on"] + timedelta(days=rng.randint(0, 2))
        accepted = opened + timedelta(days=rng.randint(0, 2))
        if accepted > self.today:
            return None
        user = installation["user_id"]
        acceptance_id = self.next_id("crane_acceptance")
        self.rows["crane_acceptance"].append({
            "id": acceptance_id, "installation_id": installation["id"], "report_id": report["id"], "opened_on": opened,
            "accepted_on": accepted, "opened_by": self.signer(user), "created_at": _at(opened),
        })  # fmt: skip
        parties = {AcceptanceParty.USER: user, AcceptanceParty.LESSOR: installation["lessor_id"],
                   AcceptanceParty.INSTALLER: installation["installer_id"],
                   AcceptanceParty.SUPERVISOR: installation["supervisor_id"]}  # fmt: skip
        for party, enterprise_id in parties.items():
            self.rows["crane_acceptance_signature"].append({
                "id": self.next_id("crane_acceptance_signature"), "acceptance_id": acceptance_id, "party": party,
                "enterprise_id": enterprise_id, "account_id": self.signer(enterprise_id),
                "signer_name": rng.choice(SIGNERS), "opinion": "同意验收", "signed_on": accepted,
                "signed_at": _at(accepted),
            })  # fmt: skip
        registered = accepted + timedelta(days=rng.randint(1, 20))  # within 30 days: 166号令 第十七条
        if registered <= self.today:
            self.register_use(installation, acceptance_id, registered)
        return accepted

    def register_use(self, installation: dict[str, Any], acceptance_id: int, on: date) -> None:
        city = installation["city"]
        self.use_serials[(city, on.year)] += 1
        use_id = self.next_id("crane_use_registration")
        user = installation["user_id"]
        self.rows["crane_use_registration"].append({
            "id": use_id, "installation_id": installation["id"], "acceptance_id": acceptance_id,
            "number": format_use_number(city, on.year, self.use_serials[(city, on.year)]), "city": city,
            "registered_on": on, "registered_by": self.signer(user), "created_at": _at(on),
        })  # fmt: skip
        self.rows["crane_certificate"].append({
            "id": self.next_id("crane_certificate"), "kind": CertificateKind.USE_SIGN,
            "registration_id": self.registration_of[installation["machine_id"]], "verify_code": new_code(self.rng, self.codes),
            "issued_on": on, "issued_at": _at(on), "issued_by": self.signer(user), "supersedes_id": None,
            "sha256": "", "use_registration_id": use_id,
        })  # fmt: skip

    def maintain(self, installation: dict[str, Any], start: date, end: date) -> None:
        """A maintenance record about every 45 days on the site, and now and then a fault."""
        day = start + timedelta(days=self.rng.randint(20, 45))
        while day <= end:
            fault = self.rng.random() < 0.08
            self.rows["crane_machine_record"].append({
                "id": self.next_id("crane_machine_record"), "machine_id": installation["machine_id"],
                "installation_id": installation["id"], "kind": RecordKind.FAULT if fault else RecordKind.MAINTENANCE,
                "on": day, "enterprise_id": installation["maintainer_id"],
                "description": self.rng.choice(FAULTS if fault else MAINTENANCE),
                "recorded_by": self.signer(installation["maintainer_id"]), "created_at": _at(day),
            })  # fmt: skip
            day += timedelta(days=self.rng.randint(35, 55))


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
