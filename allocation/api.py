"""Smart allocation over HTTP: operators start a run, read it with its reasons, apply it."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from core.pagination import Offset

from .schemas import AllocationRunIn, AllocationRunOut
from .selectors import allocation_run_page
from .services import allocation_run_apply, allocation_run_start

# Operation ids are spelled out: they are the ones generated when this router was
# orders.allocation_api, and generated clients name their calls after them.
router = Router(tags=["allocation"])


class ProposalPage(Schema):
    offset: Offset = 0
    limit: int = Field(500, ge=1, le=2000, description="proposals per page, 1 … 2,000")


@router.post(
    "/allocation/runs",
    response={201: AllocationRunOut, 202: AllocationRunOut},
    summary="Run smart allocation (propose, or apply) over open batches",
    operation_id="orders_allocation_api_start_run",
)
def start_run(request: HttpRequest, payload: AllocationRunIn):
    run = allocation_run_start(actor=request.user, **payload.dict())
    page = allocation_run_page(viewer=request.user, run_id=run.pk)
    return Status(202 if run.job_id else 201, AllocationRunOut.build(*page))


@router.get(
    "/allocation/runs/{run_id}",
    response=AllocationRunOut,
    summary="A run with its proposals, scores and reasons",
    operation_id="orders_allocation_api_read_run",
)
def read_run(request: HttpRequest, run_id: int, page: Query[ProposalPage]):
    return AllocationRunOut.build(
        *allocation_run_page(
            viewer=request.user, run_id=run_id, offset=page.offset, limit=page.limit
        )
    )


@router.post(
    "/allocation/runs/{run_id}/apply",
    response=AllocationRunOut,
    summary="Claim the proposed batches of a run for their workshops",
    operation_id="orders_allocation_api_apply_run",
)
def apply_run(request: HttpRequest, run_id: int):
    run = allocation_run_apply(run_id=run_id, actor=request.user)
    return AllocationRunOut.build(*allocation_run_page(viewer=request.user, run_id=run.pk))
