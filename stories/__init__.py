"""The web layer: blueprints, forms and views. Views stay thin and call archive/."""
