"""Writes for training, by what they change:

- ``programmes``: an operator's programmes (with modules) and cohorts;
- ``enrolment``: a trainee joins a cohort;
- ``progress``: sessions logged for trainees, and corrections;
- ``assessments``: module scores, and the skill certificates a pass gives;
- ``graduation``: graduate, withdraw, and a graduate made a workshop's lead;
- ``guards``: the checks all of those run first (the trainee locked, the day, the score).

Import from here (``from trainees.services import progress_log``); the modules are the layout.
"""

from .assessments import (
    AssessmentAlreadyRevoked,
    RevocationReasonRequired,
    SkillNotInModule,
    SkillNotInProgramme,
    SkillRequired,
    UnknownLevel,
    assessment_record,
    assessment_revoke,
)
from .enrolment import UnknownHousehold, UnknownUser, trainee_enrol
from .graduation import (
    ModulesNotPassed,
    NotGraduated,
    TraineeUserElsewhere,
    TraineeWrongStatus,
    UnknownWorkshop,
    UsernameTaken,
    WorkshopChoice,
    trainee_graduate,
    trainee_make_lead,
    trainee_withdraw,
)
from .guards import (
    DateBeforeCohortStart,
    DateInFuture,
    ModuleNotInProgramme,
    ScoreOutOfRange,
    TraineeNotInTraining,
)
from .programmes import (
    ModuleDueAfterProgramme,
    NotATrainer,
    ProgrammeCodeTaken,
    ProgrammeNeedsModules,
    cohort_create,
    programme_create,
)
from .progress import (
    AlreadyCorrected,
    CorrectionForOneTrainee,
    CorrectionNeedsReason,
    DailyHoursExceeded,
    HoursOutOfRange,
    IdempotencyKeyReused,
    NoTrainees,
    ProgressLogNotFound,
    progress_log,
)

__all__ = [
    "AlreadyCorrected",
    "AssessmentAlreadyRevoked",
    "CorrectionForOneTrainee",
    "CorrectionNeedsReason",
    "DailyHoursExceeded",
    "DateBeforeCohortStart",
    "DateInFuture",
    "HoursOutOfRange",
    "IdempotencyKeyReused",
    "ModuleDueAfterProgramme",
    "ModuleNotInProgramme",
    "ModulesNotPassed",
    "NoTrainees",
    "NotATrainer",
    "NotGraduated",
    "ProgrammeCodeTaken",
    "ProgrammeNeedsModules",
    "ProgressLogNotFound",
    "RevocationReasonRequired",
    "ScoreOutOfRange",
    "SkillNotInModule",
    "SkillNotInProgramme",
    "SkillRequired",
    "TraineeNotInTraining",
    "TraineeUserElsewhere",
    "TraineeWrongStatus",
    "UnknownHousehold",
    "UnknownLevel",
    "UnknownUser",
    "UnknownWorkshop",
    "UsernameTaken",
    "WorkshopChoice",
    "assessment_record",
    "assessment_revoke",
    "cohort_create",
    "programme_create",
    "progress_log",
    "trainee_enrol",
    "trainee_graduate",
    "trainee_make_lead",
    "trainee_withdraw",
]
