"""SQLAlchemy 2.0 typed models. Models hold small invariants and never commit."""
from .audit import AuditEvent
from .clinical import MRSS_SITE_CODES, STEP1_CODES, ClinicianAssessment, Signature
from .messaging import DeliveryAttempt, Message
from .people import CHANNELS, ROLES, Patient, Site, User
from .schedule import Enrollment, Invitation, PlanVisit, Visit, VisitPlan
from .security import ApiToken, ServerSession, ThrottleEvent
from .survey import Answer, SurveyResponse
from .types import UTCDateTime, utcnow

__all__ = [
    "Answer", "ApiToken", "AuditEvent", "CHANNELS", "ClinicianAssessment", "DeliveryAttempt", "Enrollment",
    "Invitation", "MRSS_SITE_CODES", "Message", "Patient", "PlanVisit", "ROLES", "STEP1_CODES", "ServerSession",
    "Signature", "Site", "SurveyResponse", "ThrottleEvent", "UTCDateTime", "User", "Visit", "VisitPlan", "utcnow",
]
