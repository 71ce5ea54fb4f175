// The endpoints of the loopback GitHub server, answering the way GitHub does: same status codes,
// error bodies, paging and permission checks for what Ephemera calls.
import { DOCS, REPO, type Route } from './github-http.js'
import {
  createDeployment,
  createStatus,
  deleteDeployment,
  getDeployment,
  listDeployments,
  listStatuses,
} from './github-routes-deployments.js'
import {
  createComment,
  deleteComment,
  getComment,
  getPull,
  getUser,
  graphql,
  listComments,
  listPulls,
  updateComment,
} from './github-routes-pulls.js'

export { notFound, type Reply, type RouteContext } from './github-http.js'

export const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/user$/,
    doc: `${DOCS}/users/users#get-the-authenticated-user`,
    handle: getUser,
  },
  {
    method: 'POST',
    pattern: /^\/graphql$/,
    doc: 'https://docs.github.com/graphql',
    handle: graphql,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/issues/(\\d+)/comments$`),
    doc: `${DOCS}/issues/comments#list-issue-comments`,
    handle: listComments,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${REPO}/issues/(\\d+)/comments$`),
    doc: `${DOCS}/issues/comments#create-an-issue-comment`,
    handle: createComment,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
    doc: `${DOCS}/issues/comments#get-an-issue-comment`,
    handle: getComment,
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
    doc: `${DOCS}/issues/comments#update-an-issue-comment`,
    handle: updateComment,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
    doc: `${DOCS}/issues/comments#delete-an-issue-comment`,
    handle: deleteComment,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/pulls/(\\d+)$`),
    doc: `${DOCS}/pulls/pulls#get-a-pull-request`,
    handle: getPull,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/pulls$`),
    doc: `${DOCS}/pulls/pulls#list-pull-requests`,
    handle: listPulls,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${REPO}/deployments$`),
    doc: `${DOCS}/deployments/deployments#create-a-deployment`,
    handle: createDeployment,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/deployments$`),
    doc: `${DOCS}/deployments/deployments#list-deployments`,
    handle: listDeployments,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)$`),
    doc: `${DOCS}/deployments/deployments#get-a-deployment`,
    handle: getDeployment,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)$`),
    doc: `${DOCS}/deployments/deployments#delete-a-deployment`,
    handle: deleteDeployment,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)/statuses$`),
    doc: `${DOCS}/deployments/statuses#create-a-deployment-status`,
    handle: createStatus,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)/statuses$`),
    doc: `${DOCS}/deployments/statuses#list-deployment-statuses`,
    handle: listStatuses,
  },
]
