"""Seeding the demo's cranes: leasing firms and installers with their qualifications, inspection bodies with their
inspectors, machines with ownership registrations (a few changed owner) and certificates, and each machine's life
on the demo's crane-installation works (``crane_sites``) with its online inspection reports (``crane_reports``).

Rows are built in Python and written with core bulk inserts in one transaction, ids given by hand (and the
PostgreSQL sequences moved past them); the same seed and ``today`` write the same rows.

**Certificates' and reports' SHA-256.** A certificate or report records the SHA-256 of its PDF. Building 20,000
ownership certificates, their use-registration signs and 60,000 report PDFs takes hours (measured: about 20 ms a
certificate, 100 ms a report), so the caller's renderers are used per kind only while that kind's documents are
few (``HASH_LIMITS``: the small demo's ownership certificates; every kind in the tests' tiny seeds): those rows carry
the hash of their real PDF. The others are written with an empty ``sha256``, meaning *not yet issued as a file*:
the PDF is built from the same rows on first download and its hash is to be recorded then. No hash is made up.

**Light bodies.** ``light_bodies`` of the bodies inspect too lightly (``crane_reports``); which ones is returned in the
summary only, so a test can check the spot-check list finds them without the job being told.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from knowledge.accounts.models import Role
from knowledge.accounts.passwords import hash_password
from knowledge.cranes.inspection_models import InspectionBody
from knowledge.cranes.machines import HoistDrive, MachineType
from knowledge.cranes.models import CertificateKind, Machine
from knowledge.cranes.numbering import RegistrationNumber, format_number
from knowledge.db import Base
from knowledge.demo.crane_documents import CraneRenderers, hash_documents
from knowledge.demo.crane_reports import Diary, ReportWriter, new_code, profile
from knowledge.demo.crane_sites import CraneLife, Installer, Site, Timelines
from knowledge.demo.crane_words import BODY_WORDS, LESSOR_WORDS, MAKERS, MOMENTS, TYPE_WEIGHTS
from knowledge.demo.loader import ProgressCallback, advance_sequences
from knowledge.enterprises.creditcode import make_code
from knowledge.enterprises.models import Enterprise, EnterpriseType, ParticipantRole, ProjectParticipant
from knowledge.errors import ValidationError
from knowledge.regions import City
from knowledge.registry.models import Work

FLUSH_EVERY = 400  # machines whose lives are written per batch (bounds memory at province scale)
WINDOW_DAYS = 540  # reports over the last 18 months
SEEDER = "demo-crane-recorder"
TABLES = ("enterprise", "account", "crane_installer_qualification", "crane_inspection_body", "crane_machine",
          "crane_registration", "crane_certificate", "crane_installation", "crane_inspection_report",
          "crane_inspection_item", "crane_acceptance", "crane_acceptance_signature", "crane_use_registration",
          "crane_dismantling", "crane_machine_record")  # fmt: skip


@dataclass(frozen=True)
class CraneTargets:
    machines: int
    bodies: int
    light_bodies: int
    lessors: int
    installers: int


TARGETS = {
    "small": CraneTargets(machines=300, bodies=10, light_bodies=1, lessors=12, installers=8),
    "province": CraneTargets(machines=20_000, bodies=40, light_bodies=3, lessors=400, installers=150),
}


@dataclass
class CraneSeedSummary:
    counts: dict[str, int] = field(default_factory=dict)
    # The bodies made to inspect too lightly: returned here only, never told to the spot-check job.
    light_body_ids: tuple[int, ...] = ()
    hashed: int = 0  # documents written with the hash of their built PDF
    elapsed_seconds: float = 0.0

    @property
    def label(self) -> str:
        c = self.counts
        return (f"起重机械数据已载入：机械 {c.get('crane_machine', 0)}，检验机构 {c.get('crane_inspection_body', 0)}，"
                f"安装 {c.get('crane_installation', 0)}，检验报告 {c.get('crane_inspection_report', 0)}，"
                f"使用登记 {c.get('crane_use_registration', 0)}；已生成文件哈希 {self.hashed} 份；"
                f"用时 {self.elapsed_seconds:.1f} 秒")  # fmt: skip


def seed_cranes(
    session: Session, *, scale: str, today: date, inspector_password: str, seed: int = 2024,
    keep_password: bool = False, targets: CraneTargets | None = None, renderers: CraneRenderers | None = None,
    on_progress: ProgressCallback | None = None,
) -> CraneSeedSummary:  # fmt: skip
    """Write the cranes of the demo; refused when machines or inspection bodies exist. Inspectors sign in with
    ``inspector_password`` (the demo accounts'), changed at first sign-in unless ``keep_password``."""
    if scale not in TARGETS:
        raise ValidationError(f"未知的演示数据规模“{scale}”", field="scale")
    if session.scalar(select(Machine.id).limit(1)) or session.scalar(select(InspectionBody.id).limit(1)):
        raise ValidationError("已有起重机械或检验机构数据，演示起重机械数据只能写入尚无此类数据的数据库")
    started = time.perf_counter()
    seeder = _CraneSeeder(session, random.Random(f"{seed}/cranes"), today, targets or TARGETS[scale])
    summary = seeder.run(inspector_password, keep_password, on_progress)
    summary.hashed = hash_documents(session, renderers or CraneRenderers())
    session.commit()
    summary.elapsed_seconds = time.perf_counter() - started
    return summary


class _CraneSeeder:
    def __init__(self, session: Session, rng: random.Random, today: date, targets: CraneTargets) -> None:
        self.session, self.rng, self.today, self.targets = session, rng, today, targets
        self.window_start = today - timedelta(days=WINDOW_DAYS)
        self.ids: dict[str, int] = {}
        self.codes: set[str] = set()
        self.counts: dict[str, int] = {}
        self.signers: dict[int, int] = {}
        self.accounts: list[dict[str, Any]] = []
        self.credit_codes = set(session.scalars(select(Enterprise.credit_code)))

    def next_id(self, table: str, count: int = 1) -> int:
        if table not in self.ids:
            model = Base.metadata.tables[table]
            self.ids[table] = (self.session.scalar(select(func.max(model.c.id))) or 0) + 1
        value = self.ids[table]
        self.ids[table] = value + count
        return value

    def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 5_000):
            self.session.execute(insert(Base.metadata.tables[table]), rows[start : start + 5_000])
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def run(
        self, password: str, keep_password: bool, on_progress: ProgressCallback | None
    ) -> CraneSeedSummary:
        sites = self.load_sites()
        lessors = self.enterprises(
            self.targets.lessors, EnterpriseType.OTHER, "{city}{word}建筑机械租赁有限公司"
        )
        installers = self.enterprises(
            self.targets.installers, EnterpriseType.CONSTRUCTOR, "{city}{word}起重设备安装工程有限公司"
        )
        self.write("enterprise", lessors + installers)
        own = self.rng.sample(lessors, len(lessors) // 3)  # 一体化: lessors that install their own machines
        quals = self.qualifications([*installers, *own])
        self.recorder = self.signer_account(None, SEEDER, "演示数据起重机械记录（停用）")
        for enterprise_id in sorted({s.user_id for s in sites} | {s.supervisor_id for s in sites}
                                    | {e["id"] for e in lessors + installers}):  # fmt: skip
            self.signers[enterprise_id] = self.signer_account(
                enterprise_id, f"crane-signer-{enterprise_id}", "起重机械签字人（演示，停用）"
            )
        bodies, light, cities = self.bodies(password, keep_password)
        self.write("account", self.accounts)
        self.progress(on_progress, "起重机械：单位与检验机构", 1, 3)
        owners = [e["id"] for e in lessors] + sorted({s.user_id for s in sites})
        city_of = {e["id"]: e["city"] for e in lessors + installers} | self.cities_of(owners)
        lives, registration_of = self.machines(owners, city_of)
        self.progress(on_progress, "起重机械：产权备案与证书", 2, 3)
        diary = Diary(self.rng)
        timelines = Timelines(
            self.rng, today=self.today, window_start=self.window_start, sites=sites,
            installers=[Installer(e["id"], quals[e["id"]], e["city"]) for e in installers],
            own_installers={e["id"]: Installer(e["id"], quals[e["id"]], e["city"]) for e in own}, bodies=bodies,
            writer=ReportWriter(self.rng, diary, self.codes, self.today), signer=self.signers.__getitem__,
            next_id=self.next_id, codes=self.codes, registration_of=registration_of,
        )  # fmt: skip
        timelines.place_bodies(cities)
        for n, life in enumerate(lives, 1):
            timelines.live(life)
            if n % FLUSH_EVERY == 0 or n == len(lives):
                self.flush(timelines)
                self.progress(on_progress, "起重机械：安装、检验与使用登记", n, len(lives))
        advance_sequences(self.session, [Base.metadata.tables[t] for t in TABLES])
        return CraneSeedSummary(dict(self.counts), tuple(sorted(light)))

    @staticmethod
    def progress(on_progress: ProgressCallback | None, label: str, done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(label, done, total)

    def flush(self, timelines: Timelines) -> None:
        for table in TABLES[7:]:
            self.write(table, timelines.rows.pop(table, []))
        self.write("crane_certificate", timelines.rows.pop("crane_certificate", []))

    def load_sites(self) -> list[Site]:
        """The demo's crane-installation works (起重机械安装和拆卸工程) and the parties of their projects."""
        erection = (Work.category == "lifting", Work.sub_type == "machinery_erection")
        works = self.session.execute(
            select(Work.id, Work.project_id, Work.city).where(*erection).order_by(Work.id)
        ).all()
        parties: dict[int, dict[ParticipantRole, int]] = {}
        for project_id, enterprise_id, role in self.session.execute(
            select(ProjectParticipant.project_id, ProjectParticipant.enterprise_id, ProjectParticipant.role)
            .where(ProjectParticipant.project_id.in_(select(Work.project_id).where(*erection)))
            .order_by(ProjectParticipant.id)
        ):  # fmt: skip
            parties.setdefault(project_id, {}).setdefault(role, enterprise_id)
        sites = []
        for work in works:
            found = parties.get(work.project_id, {})
            user, supervisor = (
                found.get(ParticipantRole.GENERAL_CONTRACTOR),
                found.get(ParticipantRole.SUPERVISOR),
            )
            if user is not None and supervisor is not None:
                sites.append(Site(work.id, work.project_id, work.city, user, supervisor))
        return sites

    def cities_of(self, ids: Sequence[int]) -> dict[int, City]:
        rows = self.session.execute(select(Enterprise.id, Enterprise.city).where(Enterprise.id.in_(ids)))
        return {enterprise_id: city for enterprise_id, city in rows}

    def credit_code(self, city: City) -> str:
        while True:
            org8 = (
                "MA"
                + self.rng.choice("12")
                + "".join(self.rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=5))
            )
            code = make_code("91", city.division_code, org8)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def enterprises(self, count: int, kind: EnterpriseType, pattern: str) -> list[dict[str, Any]]:
        rows, cities = [], list(City)
        for n in range(count):
            city = cities[n % len(cities)]
            word = LESSOR_WORDS[(n // len(cities)) % len(LESSOR_WORDS)]
            suffix = (
                "" if n < len(cities) * len(LESSOR_WORDS) else str(n // (len(cities) * len(LESSOR_WORDS)) + 1)
            )
            name = pattern.format(city=city.label.removesuffix("市"), word=word + suffix)
            rows.append({"id": self.next_id("enterprise"), "name": name, "credit_code": self.credit_code(city),
                         "type": kind, "city": city, "parent_id": None, "created_at": _at(self.window_start)})  # fmt: skip
        return rows

    def qualifications(self, enterprises: list[dict[str, Any]]) -> dict[int, int]:
        """An installer's qualification and safety licence (166号令 第十条), valid well past today."""
        rows, found = [], {}
        for e in enterprises:
            found[e["id"]] = self.next_id("crane_installer_qualification")
            rows.append({"id": found[e["id"]], "enterprise_id": e["id"], "certificate_number": f"D2{e['id']:08d}",
                         "grade": self.rng.choice(("一级", "二级", "三级")), "valid_until": self.today + timedelta(days=700),
                         "safety_licence_number": f"(苏)JZ安许证字[2021]{e['id']:06d}",
                         "safety_licence_valid_until": self.today + timedelta(days=500), "recorded_by": None,
                         "created_at": _at(self.window_start)})  # fmt: skip
        self.write("crane_installer_qualification", rows)
        return found

    def signer_account(self, enterprise_id: int | None, username: str, name: str, **more: Any) -> int:
        """A disabled account a seeded record names (each party signs in its own account)."""
        account_id = self.next_id("account")
        self.accounts.append({
            "id": account_id, "username": username[:32], "display_name": name, "role": Role.PROJECT_TEAM,
            "password_hash": self.unusable, "city": None, "enterprise_id": enterprise_id, "expert_id": None,
            "is_active": False, "created_at": _at(self.window_start), "must_change_password": False,
            "two_factor_waived": False, "session_generation": 0, **more,
        } | ({"role": Role.ADMIN} if enterprise_id is None else {}))  # fmt: skip
        return account_id

    @property
    def unusable(self) -> str:
        if not hasattr(self, "_unusable"):
            self._unusable = hash_password(secrets.token_urlsafe(24))
        return self._unusable

    def bodies(self, password: str, keep_password: bool) -> tuple[list[Any], set[int], dict[int, City]]:
        """Inspection bodies of type 其他 in every city, 2-8 inspectors each; a few of them light."""
        count, cities, hashed = self.targets.bodies, list(City), hash_password(password)
        enterprises, rows, profiles, city_of = [], [], [], {}
        light_numbers = set(self.rng.sample(range(count), self.targets.light_bodies))
        light: set[int] = set()
        for n in range(count):
            city = cities[n % len(cities)]
            word = BODY_WORDS[(n // len(cities)) % len(BODY_WORDS)]
            enterprise_id, body_id = self.next_id("enterprise"), self.next_id("crane_inspection_body")
            enterprises.append({"id": enterprise_id, "name": f"江苏{city.label.removesuffix('市')}{word}检验检测有限公司",
                                "credit_code": self.credit_code(city), "type": EnterpriseType.OTHER, "city": city,
                                "parent_id": None, "created_at": _at(self.window_start)})  # fmt: skip
            rows.append({"id": body_id, "enterprise_id": enterprise_id, "qualification_number": f"TS7432{body_id:04d}-2029",
                         "valid_until": self.today + timedelta(days=900), "city": city, "created_at": _at(self.window_start)})  # fmt: skip
            inspectors = tuple(
                self.signer_account(enterprise_id, f"jyjg{n + 1:02d}_{i + 1}", f"检验员{n + 1}-{i + 1}",
                                    role=Role.INSPECTION_BODY, password_hash=hashed, is_active=True,
                                    must_change_password=not keep_password, two_factor_waived=False)
                for i in range(self.rng.randint(2, 8))
            )  # fmt: skip
            profiles.append(profile(self.rng, body_id, inspectors, light=n in light_numbers))
            city_of[body_id] = city
            if n in light_numbers:
                light.add(body_id)
        self.write("enterprise", enterprises)
        self.write("crane_inspection_body", rows)
        return profiles, light, city_of

    def machines(self, owners: list[int], city_of: dict[int, City]) -> tuple[list[CraneLife], dict[int, int]]:
        """Machines, their ownership registrations (3 % changed owner before the window) and certificates."""
        machines, registrations, certificates, lives = [], [], [], []
        serials: dict[tuple[City, MachineType], int] = {}
        registration_of: dict[int, int] = {}
        types, weights = zip(*TYPE_WEIGHTS, strict=True)
        for n in range(self.targets.machines):
            kind = self.rng.choices(types, weights)[0]
            owner = self.rng.choice(owners)
            city = city_of[owner]
            serials[(city, kind)] = serials.get((city, kind), 0) + 1
            number = format_number(RegistrationNumber(city, kind, serials[(city, kind)]))
            made = self.today - timedelta(days=self.rng.randint(400, 16 * 365))
            registered = min(
                made + timedelta(days=self.rng.randint(15, 200)), self.today - timedelta(days=40)
            )
            machine = self.machine_row(n, kind, owner, city, number, made)
            machines.append(machine)
            regs = [(owner, city, registered)]
            later = registered + timedelta(days=self.rng.randint(200, 900))
            if self.rng.random() < 0.03 and later < self.window_start:
                new_owner = self.rng.choice(owners)
                if new_owner != owner:
                    regs.append((new_owner, city_of[new_owner], later))
                    machine["owner_id"] = new_owner
            previous = None
            for seq, (reg_owner, reg_city, on) in enumerate(regs, 1):
                reg_id = self.next_id("crane_registration")
                registrations.append({"id": reg_id, "machine_id": machine["id"], "seq": seq, "number": number,
                                      "owner_id": reg_owner, "city": reg_city, "registered_on": on,
                                      "registered_by": self.signers.get(reg_owner, self.recorder),
                                      "created_at": _at(on)})  # fmt: skip
                previous = self.certificate(certificates, reg_id, on, previous)
                registration_of[machine["id"]] = reg_id
            lives.append(
                CraneLife(
                    machine["id"],
                    kind,
                    machine["owner_id"],
                    city,
                    regs[-1][2],
                    registration_of[machine["id"]],
                )
            )
        self.write("crane_machine", machines)
        self.write("crane_registration", registrations)
        self.write("crane_certificate", certificates)
        return lives, registration_of

    def machine_row(
        self, n: int, kind: MachineType, owner: int, city: City, number: str, made: date
    ) -> dict[str, Any]:
        maker, models = self.rng.choice(MAKERS[kind])
        tower, hoist = kind is MachineType.TOWER_CRANE, kind is MachineType.CONSTRUCTION_HOIST
        load = None if tower else self.rng.choice((1000, 2000, 3200) if hoist else (1000, 1500, 2000))
        drive = (
            (HoistDrive.WIRE_ROPE if self.rng.random() < 0.15 else HoistDrive.RACK_AND_PINION)
            if hoist
            else None
        )
        return {"id": self.next_id("crane_machine"), "machine_type": kind, "maker": maker,
                "model": "SS100" if drive is HoistDrive.WIRE_ROPE else self.rng.choice(models), "serial_number": f"{made.year}{kind.value[:2].upper()}{n + 1:06d}",
                "manufactured_on": made, "rated_moment_knm": str(Decimal(self.rng.choice(MOMENTS))) if tower else None,
                "rated_load_kg": load, "hoist_drive": drive, "design_life_years": None, "owner_id": owner,
                "registration_number": number, "registration_city": city, "created_by": None, "created_at": _at(made)}  # fmt: skip

    def certificate(
        self, rows: list[dict[str, Any]], registration_id: int, on: date, previous: int | None
    ) -> int:
        certificate_id = self.next_id("crane_certificate")
        rows.append({"id": certificate_id, "kind": CertificateKind.OWNERSHIP, "registration_id": registration_id,
                     "verify_code": new_code(self.rng, self.codes), "issued_on": on, "issued_at": _at(on),
                     "issued_by": self.recorder, "supersedes_id": previous, "sha256": "", "use_registration_id": None})  # fmt: skip
        return certificate_id


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
