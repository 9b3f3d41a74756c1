// Progressive enhancement only: every page works without this. The design system's
// components (accordions, details, mobile tables) are set up from their data-module.
import DS from "./vendor/sgds/design-system.js";

DS.initAll();
