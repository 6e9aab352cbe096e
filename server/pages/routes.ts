import type { Response } from 'express';
import type { Runtime } from '../../app/runtime';
import { idParams, route, type AnyRoute } from '../route';
import { notFoundPage, renderOffice } from './office';
import { officesQuery, renderOffices } from './offices';
import { renderOverview } from './overview';
import { renderRegister } from './register';
import { renderStuck, stuckQuery } from './stuck';
import { analyticsQuery, renderAnalytics } from './analytics';
import { forecastPageQuery, renderForecast } from './forecast';
import { mapQuery, renderMap } from './map';
import { sendOfficesPageCsv, sendStuckPageCsv } from './list-csv';

function send(res: Response, body: string, status = 200): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store').send(body);
}

/** The dashboard's pages, declared in the same route table as the API (access, route list). */
export function pageRoutes(runtime: Runtime): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/',
      summary: 'Dashboard: headline figures, the lifecycle chart as a heat map, installations over time',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      handler: async ({ res }) => send(res, await renderOverview(runtime)),
    }),
    route({
      method: 'get',
      path: '/stuck',
      summary: 'Dashboard: stalled and stuck offices, most overdue first',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      query: stuckQuery,
      handler: async ({ query, res }) => (query.format === 'csv' ? sendStuckPageCsv(runtime, query, res) : send(res, await renderStuck(runtime, query))),
    }),
    route({
      method: 'get',
      path: '/offices',
      summary: 'Dashboard: offices with filters and paging',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      query: officesQuery,
      handler: async ({ query, res }) => (query.format === 'csv' ? sendOfficesPageCsv(runtime, query, res) : send(res, await renderOffices(runtime, query))),
    }),
    route({
      method: 'get',
      path: '/analytics',
      summary: 'Dashboard: where the time goes (lifecycle by time in state, funnel, cumulative flow, slowest offices)',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      query: analyticsQuery,
      handler: async ({ query, res }) => send(res, await renderAnalytics(runtime, query)),
    }),
    route({
      method: 'get',
      path: '/forecast',
      summary: 'Dashboard: will the programme finish by its deadline (forecast curve, baseline and scenario, offices to push)',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      query: forecastPageQuery,
      handler: async ({ query, res }) => send(res, await renderForecast(runtime, query)),
    }),
    route({
      method: 'get',
      path: '/map',
      summary: 'Dashboard: world map of the countries coloured by stage, offices, share stalled or forecast risk; a click lists the country’s offices',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      query: mapQuery,
      handler: async ({ query, res }) => send(res, await renderMap(runtime, query)),
    }),
    route({
      method: 'get',
      path: '/register',
      summary: 'Dashboard: register an office',
      tag: 'pages',
      access: 'coordinator',
      produces: 'html',
      handler: ({ res }) => send(res, renderRegister()),
    }),
    route({
      method: 'get',
      path: '/offices/:id',
      summary: 'Dashboard: one office, its chart, events, history, emails and contacts',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      params: idParams,
      handler: async ({ params, res }) => {
        const body = await renderOffice(runtime, params.id);
        if (body === null) send(res, notFoundPage(params.id), 404);
        else send(res, body);
      },
    }),
  ];
}
