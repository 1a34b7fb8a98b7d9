from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from core.pagination import LimitOffsetPagination, paginate

from .schemas import (
    CapacityChangeOut,
    CapacityConfirmIn,
    CapacityRejectIn,
    HouseholdIn,
    HouseholdOut,
    SkillChangeOut,
    SkillOut,
    WorkshopIn,
    WorkshopOut,
    WorkshopPatch,
)
from .selectors import (
    capacity_change_list,
    household_list,
    skill_change_list,
    skill_list,
    workshop_get,
    workshop_list,
)
from .services import (
    household_create,
    workshop_capacity_confirm,
    workshop_capacity_reject,
    workshop_create,
    workshop_set_status,
    workshop_update,
)

router = Router(tags=["workshops"])


class WorkshopFilter(Schema):
    status: str | None = None
    search: str = ""


@router.get("/workshops", response=list[WorkshopOut], summary="Workshops I may see")
@paginate(LimitOffsetPagination)
def list_workshops(request: HttpRequest, filters: Query[WorkshopFilter]):
    return workshop_list(viewer=request.user, status=filters.status, search=filters.search)


@router.post("/workshops", response={201: WorkshopOut}, summary="Register a workshop (operator)")
def create_workshop(request: HttpRequest, payload: WorkshopIn):
    workshop = workshop_create(actor=request.user, **payload.dict())
    return Status(201, workshop_get(viewer=request.user, workshop_id=workshop.pk))


@router.get("/workshops/{workshop_id}", response=WorkshopOut)
def read_workshop(request: HttpRequest, workshop_id: int):
    return workshop_get(viewer=request.user, workshop_id=workshop_id)


@router.get("/workshops/{workshop_id}/households", response=list[HouseholdOut])
@paginate(LimitOffsetPagination)
def list_households(request: HttpRequest, workshop_id: int, search: str = ""):
    return household_list(viewer=request.user, workshop_id=workshop_id, search=search)


@router.post("/workshops/{workshop_id}/households", response={201: HouseholdOut})
def create_household(request: HttpRequest, workshop_id: int, payload: HouseholdIn):
    return Status(
        201, household_create(actor=request.user, workshop_id=workshop_id, **payload.dict())
    )


@router.patch(
    "/workshops/{workshop_id}",
    response=WorkshopOut,
    summary="Capacity (lead or operator; a lead's large increase waits) and skills (operator)",
)
def update_workshop(request: HttpRequest, workshop_id: int, payload: WorkshopPatch):
    workshop = workshop_update(
        actor=request.user, workshop_id=workshop_id, **payload.dict(exclude_unset=True)
    )
    return workshop_get(viewer=request.user, workshop_id=workshop.pk)


@router.get(
    "/workshops/{workshop_id}/capacity-changes",
    response=list[CapacityChangeOut],
    summary="Capacity history, pending requests first by ?status=pending",
)
@paginate(LimitOffsetPagination)
def list_capacity_changes(request: HttpRequest, workshop_id: int, status: str | None = None):
    return capacity_change_list(viewer=request.user, workshop_id=workshop_id, status=status)


@router.post(
    "/workshops/{workshop_id}/capacity-changes/{change_id}/confirm",
    response=CapacityChangeOut,
    summary="Operator: a lead's pending capacity increase takes effect",
)
def confirm_capacity_change(
    request: HttpRequest, workshop_id: int, change_id: int, payload: CapacityConfirmIn
):
    return workshop_capacity_confirm(
        actor=request.user, workshop_id=workshop_id, change_id=change_id, note=payload.note
    )


@router.post(
    "/workshops/{workshop_id}/capacity-changes/{change_id}/reject",
    response=CapacityChangeOut,
    summary="Operator: a lead's pending capacity increase is refused, with a reason",
)
def reject_capacity_change(
    request: HttpRequest, workshop_id: int, change_id: int, payload: CapacityRejectIn
):
    return workshop_capacity_reject(
        actor=request.user, workshop_id=workshop_id, change_id=change_id, reason=payload.reason
    )


@router.get(
    "/workshops/{workshop_id}/skill-changes",
    response=list[SkillChangeOut],
    summary="Skill history: certifications and operators' changes",
)
@paginate(LimitOffsetPagination)
def list_skill_changes(request: HttpRequest, workshop_id: int):
    return skill_change_list(viewer=request.user, workshop_id=workshop_id)


@router.post("/workshops/{workshop_id}/suspend", response=WorkshopOut, summary="Operator")
def suspend_workshop(request: HttpRequest, workshop_id: int):
    workshop_set_status(actor=request.user, workshop_id=workshop_id, status="suspended")
    return workshop_get(viewer=request.user, workshop_id=workshop_id)


@router.post("/workshops/{workshop_id}/activate", response=WorkshopOut, summary="Operator")
def activate_workshop(request: HttpRequest, workshop_id: int):
    workshop_set_status(actor=request.user, workshop_id=workshop_id, status="active")
    return workshop_get(viewer=request.user, workshop_id=workshop_id)


@router.get("/skills", response=list[SkillOut], summary="The skill catalogue")
def list_skills(request: HttpRequest):
    return skill_list()
