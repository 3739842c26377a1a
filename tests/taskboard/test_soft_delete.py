"""Soft delete in the reference service: a deleted project frees its slug, restoring into a
reused slug is a 409 that says so, a project's tasks follow its delete and restore, and a
task waits for its deleted project to come back."""

from __future__ import annotations

import httpx

from tests.taskboard.test_api import PROJECTS, TASKS, WRITE, new_project, new_task, problem


async def test_a_deleted_projects_slug_can_be_reused(http: httpx.AsyncClient) -> None:
    old = await new_project(http, "website")
    assert (await http.delete(f"{PROJECTS}/{old['id']}", headers=WRITE)).status_code == 204
    assert (await http.get(f"{PROJECTS}/by-slug/website", headers=WRITE)).status_code == 404
    new = await new_project(http, "website")
    assert new["id"] != old["id"]
    found = await http.get(f"{PROJECTS}/by-slug/website", headers=WRITE)
    assert found.json()["id"] == new["id"]


async def test_restoring_into_a_reused_slug_is_a_409_that_says_so(
    http: httpx.AsyncClient,
) -> None:
    old = await new_project(http, "website")
    await http.delete(f"{PROJECTS}/{old['id']}", headers=WRITE)
    await new_project(http, "website")
    body = problem(
        await http.post(f"{PROJECTS}/{old['id']}/restore", headers=WRITE), 409, "duplicate"
    )
    assert body["detail"] == (
        f"Project {old['id']} cannot be restored: a live Project has taken its slug since it "
        "was deleted. Change or delete that one first."
    )
    assert (await http.get(f"{PROJECTS}/{old['id']}", headers=WRITE)).status_code == 404


async def test_a_projects_tasks_follow_its_delete_and_restore(http: httpx.AsyncClient) -> None:
    project = await new_project(http, "board")
    tasks = [await new_task(http, project["id"], f"task {n}") for n in range(3)]
    alone = tasks[2]
    assert (await http.delete(f"{TASKS}/{alone['id']}", headers=WRITE)).status_code == 204
    await http.delete(f"{PROJECTS}/{project['id']}", headers=WRITE)

    listed = await http.get(TASKS, params={"project_id": project["id"]}, headers=WRITE)
    assert listed.json()["items"] == []
    problem(await http.get(f"{TASKS}/{tasks[0]['id']}", headers=WRITE), 404, "not_found")

    restored = await http.post(f"{PROJECTS}/{project['id']}/restore", headers=WRITE)
    assert restored.status_code == 200, restored.text
    listed = await http.get(TASKS, params={"project_id": project["id"]}, headers=WRITE)
    back = {task["id"] for task in listed.json()["items"]}
    assert back == {tasks[0]["id"], tasks[1]["id"]}  # the task deleted on its own stays deleted


async def test_restoring_a_task_of_a_deleted_project_is_a_409_that_says_so(
    http: httpx.AsyncClient,
) -> None:
    project = await new_project(http, "board")
    task = await new_task(http, project["id"], "alone")
    await http.delete(f"{TASKS}/{task['id']}", headers=WRITE)
    await http.delete(f"{PROJECTS}/{project['id']}", headers=WRITE)
    body = problem(await http.post(f"{TASKS}/{task['id']}/restore", headers=WRITE), 409, "conflict")
    assert body["detail"] == (
        f"Task {task['id']} cannot be restored: its Project {project['id']} is deleted. "
        "Restore the Project first."
    )
    assert (body["parent"], body["parent_id"]) == ("Project", project["id"])
    assert (await http.get(f"{TASKS}/{task['id']}", headers=WRITE)).status_code == 404
    await http.post(f"{PROJECTS}/{project['id']}/restore", headers=WRITE)
    restored = await http.post(f"{TASKS}/{task['id']}/restore", headers=WRITE)
    assert restored.status_code == 200, restored.text


async def test_openapi_documents_the_restore_conflict(http: httpx.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    responses = document["paths"]["/api/v1/projects/{project_id}/restore"]["post"]["responses"]
    assert "409" in responses
    assert "application/problem+json" in responses["409"]["content"]
