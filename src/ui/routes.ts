import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { consoleStylesheet, STYLESHEET_PATH, stylesheet } from './styles';

export const uiRoutes = new Hono<AppEnv>();

uiRoutes.get(STYLESHEET_PATH, (c) => {
  c.header('Content-Type', 'text/css; charset=utf-8');
  c.header('Cache-Control', 'public, max-age=3600');
  return c.body(stylesheet + consoleStylesheet);
});
