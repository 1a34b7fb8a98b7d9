from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from core.pagination import LimitOffsetPagination, paginate

from .schemas import HouseholdIn, HouseholdOut, SkillOut, WorkshopIn, WorkshopOut, WorkshopPatch
from .selectors import household_list, skill_list, workshop_get, workshop_list
from .services import household_create, workshop_create, workshop_set_status, workshop_update

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


@router.patch("/workshops/{workshop_id}", response=WorkshopOut, summary="Capacity and skills")
def update_workshop(request: HttpRequest, workshop_id: int, payload: WorkshopPatch):
    workshop = workshop_update(
        actor=request.user, workshop_id=workshop_id, **payload.dict(exclude_unset=True)
    )
    return workshop_get(viewer=request.user, workshop_id=workshop.pk)


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
