"""The period for a use registration (使用登记): within 30 days of the joint acceptance (验收).

建设部令第166号 第十七条: the user registers the machine's use with the county-level or higher authority where the
works are "自建筑起重机械安装验收合格之日起30日内", and puts the registration sign on the machine. The 30 days were
confirmed in two stored copies (a Shenzhen registration form's note "使用单位应当自建筑起重机械安装验收合格之日起30日
内办理使用登记", and a contractor's rules quoting the duty); the article number is the decree's as commonly cited.

Counting: a period in days does not count the day it starts from (《民法典》 第二百零一条), so the last day is the
acceptance date plus 30 days. The extension to the next working day when the last day is a holiday (第二百零三条)
needs the State Council's holiday calendar, which this rule does not hold: it is not applied.
"""

from __future__ import annotations

from datetime import date, timedelta

from knowledge.cranes.errors import UseRegistrationError

USE_REGISTRATION_DAYS = 30  # 建设部令第166号 第十七条


def use_registration_deadline(accepted_on: date) -> date:
    """The last day on which the use may be registered: ``accepted_on`` + 30 days."""
    return accepted_on + timedelta(days=USE_REGISTRATION_DAYS)


def check_use_registration(accepted_on: date, registered_on: date) -> date:
    """The deadline, when ``registered_on`` falls on or after the acceptance and on or before the deadline.

    :raises UseRegistrationError: for a registration before the acceptance, or after the 30 days.
    """
    deadline = use_registration_deadline(accepted_on)
    if registered_on < accepted_on:
        raise UseRegistrationError(
            f"使用登记日期{registered_on.isoformat()}早于验收合格日期{accepted_on.isoformat()}：须验收合格后方可办理",
            field="registered_on",
        )
    if registered_on > deadline:
        late = (registered_on - accepted_on).days
        raise UseRegistrationError(
            f"使用登记须自验收合格之日（{accepted_on.isoformat()}）起{USE_REGISTRATION_DAYS}日内办理，"
            f"最迟{deadline.isoformat()}；本次为验收后第{late}日，不予登记（建设部令第166号 第十七条）",
            field="registered_on",
        )
    return deadline
