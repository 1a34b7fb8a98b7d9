"""Writes for the workshop registry, by subject (import them from here, not from the submodules):

- ``workshops``: registering a workshop, correcting its particulars, suspending and reactivating
  it, ``workshop_update`` (capacity, skills and particulars in one call);
- ``leads``: assigning or replacing a workshop's lead;
- ``households``: registering, correcting, deactivating and reactivating households;
- ``skills``: a workshop's skill profile: certification and its revocation (used by trainees),
  an operator's replacement;
- ``capacity``: daily capacity changes, a lead's large increase waiting for an operator;
- ``catalogue``: the skill catalogue (``skills_by_code``; adding, renaming, retiring skills);
- ``locales``: a workshop's and a household's language and time zone (the lead's follows);
- ``cards``: re-issuing a household's card (the old code dies at once, never reused);
- ``imports``: households from a roster (.xlsx/.csv): a preview, then one confirmation;
- ``privacy``: a household's consent and its withdrawal, erasure by anonymising;
- ``_common``: helpers the others share.

Each submodule's docstring states the rules it keeps.
"""

from ._common import Role
from .capacity import (
    CAPACITY_GROWTH_WITHOUT_CONFIRMATION,
    MAX_DAILY_CAPACITY,
    PIECES_PER_HOUSEHOLD_PER_DAY,
    CapacityChangeNotFound,
    CapacityChangeNotPending,
    CapacityDecisionReasonRequired,
    CapacityInvalid,
    capacity_bound,
    workshop_capacity_confirm,
    workshop_capacity_reject,
    workshop_capacity_request,
)
from .cards import CardReasonRequired, household_card_reissue
from .catalogue import (
    SkillAlreadyRetired,
    SkillCodeTaken,
    SkillNotFound,
    SkillRetired,
    UnknownSkill,
    skill_create,
    skill_rename,
    skill_retire,
    skills_by_code,
)
from .households import (
    HOUSEHOLD_FIELDS,
    HouseholdNotFound,
    HouseholdReasonRequired,
    HouseholdStatusUnchanged,
    household_create,
    household_set_active,
    household_update,
)
from .imports import (
    ImportExpired,
    ImportFileChanged,
    ImportHeaderInvalid,
    ImportNotFound,
    ImportRowNotDuplicate,
    ImportStale,
    ImportUnreadable,
    household_import_confirm,
    household_import_get,
    household_import_preview,
    household_imports_expire,
)
from .leads import (
    LeadChangeReasonRequired,
    LeadChoice,
    LeadNotInWorkshop,
    LeadUnchanged,
    workshop_assign_lead,
    workshop_lead_replace,
)
from .locales import household_locale_set, workshop_locale_set
from .privacy import (
    ConsentAlreadyGiven,
    ConsentInvalid,
    ConsentNotInForce,
    ConsentPhotoRequired,
    ErasureReasonRequired,
    HouseholdErased,
    household_consent_record,
    household_consent_withdraw,
    household_erase,
)
from .skills import (
    LeadCannotChangeSkills,
    SkillChangeReasonRequired,
    certified_skill_levels,
    household_skill_certify,
    household_skill_decertify,
    workshop_skills_set,
)
from .workshops import (
    WORKSHOP_PROFILE_FIELDS,
    UnknownServiceCenter,
    WorkshopNameTaken,
    WorkshopStatusUnchanged,
    workshop_create,
    workshop_profile_update,
    workshop_set_status,
    workshop_update,
)

__all__ = [
    "CAPACITY_GROWTH_WITHOUT_CONFIRMATION",
    "HOUSEHOLD_FIELDS",
    "MAX_DAILY_CAPACITY",
    "PIECES_PER_HOUSEHOLD_PER_DAY",
    "WORKSHOP_PROFILE_FIELDS",
    "CapacityChangeNotFound",
    "CapacityChangeNotPending",
    "CapacityDecisionReasonRequired",
    "CapacityInvalid",
    "CardReasonRequired",
    "ConsentAlreadyGiven",
    "ConsentInvalid",
    "ConsentNotInForce",
    "ConsentPhotoRequired",
    "ErasureReasonRequired",
    "HouseholdErased",
    "HouseholdNotFound",
    "HouseholdReasonRequired",
    "HouseholdStatusUnchanged",
    "ImportExpired",
    "ImportFileChanged",
    "ImportHeaderInvalid",
    "ImportNotFound",
    "ImportRowNotDuplicate",
    "ImportStale",
    "ImportUnreadable",
    "LeadCannotChangeSkills",
    "LeadChangeReasonRequired",
    "LeadChoice",
    "LeadNotInWorkshop",
    "LeadUnchanged",
    "Role",
    "SkillAlreadyRetired",
    "SkillChangeReasonRequired",
    "SkillCodeTaken",
    "SkillNotFound",
    "SkillRetired",
    "UnknownServiceCenter",
    "UnknownSkill",
    "WorkshopNameTaken",
    "WorkshopStatusUnchanged",
    "capacity_bound",
    "certified_skill_levels",
    "household_card_reissue",
    "household_consent_record",
    "household_consent_withdraw",
    "household_create",
    "household_erase",
    "household_import_confirm",
    "household_import_get",
    "household_import_preview",
    "household_imports_expire",
    "household_locale_set",
    "household_set_active",
    "household_skill_certify",
    "household_skill_decertify",
    "household_update",
    "skill_create",
    "skill_rename",
    "skill_retire",
    "skills_by_code",
    "workshop_assign_lead",
    "workshop_capacity_confirm",
    "workshop_capacity_reject",
    "workshop_capacity_request",
    "workshop_create",
    "workshop_lead_replace",
    "workshop_locale_set",
    "workshop_profile_update",
    "workshop_set_status",
    "workshop_skills_set",
    "workshop_update",
]
