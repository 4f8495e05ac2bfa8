/* Progressive enhancement only: every page is complete without this file. */
