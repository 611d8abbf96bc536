"""What the clinician records at a visit, and the sign-off of a visit."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

# The 17 mRSS sites (Khanna et al. 2017), in the order of the scoring spec; columns are `mrss_<site>`.
MRSS_SITE_CODES = (
    "face", "chest", "abdomen",
    "l_fingers", "r_fingers", "l_hand_dorsum", "r_hand_dorsum", "l_forearm", "r_forearm",
    "l_upper_arm", "r_upper_arm", "l_thigh", "r_thigh", "l_lower_leg", "r_lower_leg",
    "l_foot_dorsum", "r_foot_dorsum",
)
STEP1_CODES = ("renal_crisis", "fvc_decline", "lv_failure", "pah")


class ClinicianAssessment(db.Model):
    """mRSS, FVC % predicted, physician global and Step-1 events for one visit.

    `version` is SQLAlchemy's optimistic lock: a save based on an older version is refused, never merged.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), unique=True)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    mrss_face: Mapped[int | None] = mapped_column(Integer)
    mrss_chest: Mapped[int | None] = mapped_column(Integer)
    mrss_abdomen: Mapped[int | None] = mapped_column(Integer)
    mrss_l_fingers: Mapped[int | None] = mapped_column(Integer)
    mrss_r_fingers: Mapped[int | None] = mapped_column(Integer)
    mrss_l_hand_dorsum: Mapped[int | None] = mapped_column(Integer)
    mrss_r_hand_dorsum: Mapped[int | None] = mapped_column(Integer)
    mrss_l_forearm: Mapped[int | None] = mapped_column(Integer)
    mrss_r_forearm: Mapped[int | None] = mapped_column(Integer)
    mrss_l_upper_arm: Mapped[int | None] = mapped_column(Integer)
    mrss_r_upper_arm: Mapped[int | None] = mapped_column(Integer)
    mrss_l_thigh: Mapped[int | None] = mapped_column(Integer)
    mrss_r_thigh: Mapped[int | None] = mapped_column(Integer)
    mrss_l_lower_leg: Mapped[int | None] = mapped_column(Integer)
    mrss_r_lower_leg: Mapped[int | None] = mapped_column(Integer)
    mrss_l_foot_dorsum: Mapped[int | None] = mapped_column(Integer)
    mrss_r_foot_dorsum: Mapped[int | None] = mapped_column(Integer)
    fvc_pct: Mapped[float | None] = mapped_column(Float)  # % predicted, one decimal
    fvc_equation: Mapped[str | None] = mapped_column(String(40))  # e.g. GLI-2012
    md_global: Mapped[int | None] = mapped_column(Integer)  # 0-10 NRS
    # Step-1 events since baseline, clinician-adjudicated: True / False / None (not yet assessed).
    renal_crisis: Mapped[bool | None] = mapped_column(Boolean)
    fvc_decline: Mapped[bool | None] = mapped_column(Boolean)
    lv_failure: Mapped[bool | None] = mapped_column(Boolean)
    pah: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    visit: Mapped["Visit"] = relationship(back_populates="assessment")  # noqa: F821
    updated_by: Mapped["User | None"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version}

    def mrss_sites(self) -> dict[str, int | None]:
        return {site: getattr(self, f"mrss_{site}") for site in MRSS_SITE_CODES}

    def step1(self) -> dict[str, bool | None]:
        return {event: getattr(self, event) for event in STEP1_CODES}


class Signature(db.Model):
    """A clinician's sign-off of a visit (21 CFR 11.50/11.70): name, time, meaning, hash of what was signed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    printed_name: Mapped[str] = mapped_column(String(120))
    meaning: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    # An unlock supersedes the signature; the row stays.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    superseded_reason: Mapped[str | None] = mapped_column(Text)

    visit: Mapped["Visit"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
