import { getAllCountries } from 'countries-and-timezones';
import { html, type Html } from './html';
import { page } from './layout';

const countries = Object.values(getAllCountries())
  .map((c) => ({ code: c.id, name: c.name }))
  .sort((a, b) => a.name.localeCompare(b.name));

function contactRow(index: number): Html {
  return html`<div class="row contact" data-contact="${index}">
  <label class="field" for="c${index}-name">Contact name<input type="text" id="c${index}-name" data-contact-field="name" maxlength="200" autocomplete="off"></label>
  <label class="field" for="c${index}-email">Email<input type="email" id="c${index}-email" data-contact-field="email" maxlength="320" autocomplete="off"></label>
  <label class="field" for="c${index}-role">Role <span class="hint">(optional)</span><input type="text" id="c${index}-role" data-contact-field="role" maxlength="100" autocomplete="off"></label>
</div>`;
}

/** `/register`: the register-office form; the client script posts it to `POST /api/offices`. */
export function renderRegister(): string {
  const body = html`<div class="page-head"><div><h1>Register an office</h1><p class="muted">The office starts as a prospect; send it the circular letter from its page.</p></div></div>
<div id="messages" class="messages" role="alert" aria-live="assertive"></div>
<form class="card register" id="register-form" novalidate>
  <div class="row">
    <label class="field" for="r-name">Name<input type="text" id="r-name" name="name" required maxlength="300" autocomplete="off" placeholder="Industrial Property Office of …"></label>
    <label class="field" for="r-id">Id <span class="hint">(optional: letters, digits, . _ -; generated if empty)</span><input type="text" id="r-id" name="officeId" maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}" autocomplete="off" placeholder="e.g. KE-IPO"></label>
  </div>
  <div class="row">
    <label class="field" for="r-country">Country<select id="r-country" name="country" required>
      <option value="">Choose…</option>
      ${countries.map((c) => html`<option value="${c.code}">${c.name} (${c.code})</option>`)}
    </select></label>
    <label class="field" for="r-city">City <span class="hint">(optional)</span><input type="text" id="r-city" name="city" maxlength="200" autocomplete="off"></label>
  </div>
  <div class="row">
    <label class="field" for="r-language">Language <span class="hint">(ISO 639-1, e.g. en, fr, es)</span><input type="text" id="r-language" name="language" value="en" maxlength="2" autocomplete="off"></label>
    <label class="field" for="r-track">Track<select id="r-track" name="track">
      <option value="kit">Kit: site preparation, then the WIPOnet kit</option>
      <option value="internet">Internet: already connected, no kit</option>
    </select></label>
  </div>
  <fieldset id="contacts"><legend>Contacts</legend>
    ${contactRow(0)}
    <button type="button" class="btn secondary" id="add-contact">Add another contact</button>
  </fieldset>
  <button type="submit" class="btn">Register office</button>
</form>`;
  return page({ title: 'Register office', section: 'register', body });
}
