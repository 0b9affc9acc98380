"""Extension singletons, bound to an app in create_app()."""
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()()
migrate = Migrate(render_as_batch=True, compare_type=True)
# Every browser POST carries a token; FAB exempts its REST blueprints (JWT) itself.
csrf = CSRFProtect()
