/**
 * Editor side of the dynamic block senw-crm/lead-form: settings in the
 * sidebar and a server-rendered preview. Nothing is saved but the attributes;
 * PHP renders the form on every page view (SENW_CRM_Lead_Form::render_block).
 * Plain ES5 against the editor's globals, so the plugin needs no build step.
 */
( function ( blocks, element, blockEditor, components, serverSideRender, i18n ) {
	'use strict';
	var el = element.createElement;
	var __ = i18n.__;

	function textControl( props, name, label, help ) {
		return el( components.TextControl, {
			label: label,
			help: help,
			value: props.attributes[ name ],
			onChange: function ( value ) {
				var change = {};
				change[ name ] = value;
				props.setAttributes( change );
			},
		} );
	}

	blocks.registerBlockType( 'senw-crm/lead-form', {
		edit: function ( props ) {
			return el(
				'div',
				blockEditor.useBlockProps(),
				el(
					blockEditor.InspectorControls,
					null,
					el(
						components.PanelBody,
						{ title: __( 'Lead form', 'senw-crm' ) },
						textControl( props, 'title', __( 'Title', 'senw-crm' ) ),
						textControl( props, 'listingKey', __( 'Listing key', 'senw-crm' ), __( 'RESO ListingKey of the property this form asks about (optional).', 'senw-crm' ) ),
						textControl( props, 'source', __( 'Source', 'senw-crm' ), __( 'website, listing_inquiry, referral, open_house, ...', 'senw-crm' ) )
					)
				),
				el( serverSideRender, { block: 'senw-crm/lead-form', attributes: props.attributes } )
			);
		},
		save: function () {
			return null;
		},
	} );
} )( window.wp.blocks, window.wp.element, window.wp.blockEditor, window.wp.components, window.wp.serverSideRender, window.wp.i18n );
