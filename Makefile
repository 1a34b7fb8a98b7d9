.PHONY: demo test test-postgres lint messages
demo:
	bash scripts/demo
test:
	bash scripts/test
test-postgres:
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/shouchuang REDIS_URL=redis://127.0.0.1:6379/0 bash scripts/test
lint:
	.venv/bin/ruff check .
messages:
	.venv/bin/python manage.py makemessages -l en -l zh_Hans --ignore=.venv --ignore=var --ignore=tests
	.venv/bin/python manage.py compilemessages --ignore=.venv
