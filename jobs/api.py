from django.http import HttpRequest
from ninja import Router

from .schemas import JobOut
from .selectors import job_get

router = Router(tags=["tasks"])


@router.get("/tasks/{task_id}", response=JobOut, summary="Progress of a background task")
def read_task(request: HttpRequest, task_id: int):
    return job_get(viewer=request.user, job_id=task_id)
